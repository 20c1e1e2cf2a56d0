#!/usr/bin/env bash
# scripts/gdal.sh: GDAL's command-line tools (Debian gdal-bin) for the OGC API client test.
# Placeholder until the OGC API work lands.
exit 0

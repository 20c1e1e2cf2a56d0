package httpapi

import (
	"strconv"
	"testing"

	"diming"
	"diming/tiles"
)

// FuzzTileCoordinates: any z/x/y path segments either give a tile that
// exists at its zoom or an EINVALID error; nothing panics or wraps around.
func FuzzTileCoordinates(f *testing.F) {
	for _, s := range [][3]string{{"14", "13036", "6781"}, {"0", "0", "0"}, {"19", "1", "1"}, {"14", "16384", "0"}, {"-1", "0", "0"},
		{"1e3", "0", "0"}, {"99999999", "1", "1"}, {"", "1", "1"}, {"14", "0x10", "1"}, {"１４", "1", "1"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, zs, xs, ys string) {
		var zxy [3]int
		for i, s := range [3]string{zs, xs, ys} {
			v, err := tileCoord("z", s)
			if err != nil {
				if diming.Code(err) != diming.EINVALID {
					t.Fatalf("%q: %v", s, err)
				}
				return
			}
			if v < 0 || strconv.Itoa(v) != trimZeros(s) {
				t.Fatalf("%q read as %d", s, v)
			}
			zxy[i] = v
		}
		if _, err := tiles.CheckTile(zxy[0], zxy[1], zxy[2]); err != nil {
			if diming.Code(err) != diming.EINVALID {
				t.Fatalf("%v: %v", zxy, err)
			}
			return
		}
		if n := 1 << zxy[0]; zxy[0] > 18 || zxy[1] >= n || zxy[2] >= n {
			t.Fatalf("tile %v accepted", zxy)
		}
	})
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

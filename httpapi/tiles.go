package httpapi

import "github.com/go-chi/chi/v5"

// mountTiles adds the vector tile routes (/tiles…).
func (s *Server) mountTiles(r chi.Router) {}

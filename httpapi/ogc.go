package httpapi

import "github.com/go-chi/chi/v5"

// mountOGC adds OGC API – Features (/ogc…).
func (s *Server) mountOGC(r chi.Router) {}

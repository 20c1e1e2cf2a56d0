// Package auth is officials' accounts: users with roles, passwords and API
// tokens stored only as hashes, login sessions with CSRF tokens, and the
// rules of who may do what. It defines the Store interface the adapters
// implement; httpapi enforces it on every write route.
package auth

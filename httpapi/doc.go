// Package httpapi is the HTTP face of the service: the chi router, handlers,
// middleware (request ids, logs, metrics, body limits, panic recovery) and
// the one place that maps errors to HTTP statuses and JSON bodies.
package httpapi

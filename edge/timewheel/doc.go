// Package timewheel visits many items periodically without a timer each:
// items sit in slots of a wheel, and each advance visits the slots whose
// time has come. The edge keeps one per event loop for its connections'
// idle checks, pings and vardiff, so 10,000 connections cost no timers.
// A wheel is used by one goroutine.
package timewheel

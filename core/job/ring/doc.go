// Package ring keeps the most recent values by a 32-bit id that increases by
// one per value: jobs by job id. Readers on any number of goroutines look up
// without locks; one writer adds. A value is found until the writer has
// added Size more after it.
package ring

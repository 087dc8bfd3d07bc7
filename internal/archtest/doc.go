// Package archtest holds the test that keeps Strata's import rules: wire
// uses only the standard library and compression; core and edge never import
// each other; gnet appears only in the edge and the bench; the Stratum parser
// uses only the standard library; no production package imports testing.
//
// The package has no code of its own: the rules are in its test, which runs
// go list over the module.
package archtest

// Package config loads a component's configuration struct from, in order of
// precedence from lowest: the defaults already in the struct, a TOML file,
// STRATA_* environment variables, and command-line flags.
//
// A struct describes itself with tags: `toml:"key"` names a setting,
// `help:"..."` documents it, `secret:"true"` keeps it out of printed output.
// Nested structs are TOML tables ([link]); slices of structs are arrays of
// tables ([[node]]); embedded structs, and struct fields tagged
// `toml:",inline"`, add their keys without a prefix.
//
// Every key has one environment variable and one flag:
//
//	node.rpc_url   STRATA_NODE_RPC_URL   --node.rpc-url
//
// For arrays of tables those name the first element; STRATA_NODE_1_RPC_URL
// names the second. A value that does not parse, a key the struct does not
// have, or a failed Validate is an error that names the key.
package config

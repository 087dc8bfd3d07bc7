package account

import "strings"

// schema is the tables, version by version; {{blob}}, {{real}} and
// {{int}} are the dialect's types. A released version is never edited: a
// change is a new version.
var schema = []string{
	// 1: the first tables.
	`CREATE TABLE batches (id {{int}} PRIMARY KEY, time_ms {{int}} NOT NULL, count {{int}} NOT NULL, difficulty {{real}} NOT NULL, data {{blob}} NOT NULL);
CREATE INDEX batches_time ON batches (time_ms);
CREATE TABLE workers (id {{int}} PRIMARY KEY, name TEXT NOT NULL UNIQUE, address TEXT NOT NULL, created_ms {{int}} NOT NULL);
CREATE TABLE minutes (worker {{int}} NOT NULL, minute_ms {{int}} NOT NULL, accepted {{real}} NOT NULL, rejected {{real}} NOT NULL,
	accepted_count {{int}} NOT NULL, rejected_count {{int}} NOT NULL, PRIMARY KEY (worker, minute_ms));
CREATE TABLE bests (key TEXT PRIMARY KEY, worker {{int}} NOT NULL, session {{int}} NOT NULL, difficulty {{real}} NOT NULL,
	hash TEXT NOT NULL, height {{int}} NOT NULL, time_ms {{int}} NOT NULL);
CREATE TABLE blocks (hash TEXT PRIMARY KEY, height {{int}} NOT NULL, worker TEXT NOT NULL, address TEXT NOT NULL,
	reward {{int}} NOT NULL, fee {{int}} NOT NULL, network_difficulty {{real}} NOT NULL, status {{int}} NOT NULL, confirmations {{int}} NOT NULL,
	batch {{int}} NOT NULL, idx {{int}} NOT NULL, detail TEXT NOT NULL, found_ms {{int}} NOT NULL, updated_ms {{int}} NOT NULL);
CREATE INDEX blocks_status ON blocks (status);
CREATE TABLE splits (block TEXT NOT NULL, address TEXT NOT NULL, difficulty {{real}} NOT NULL, amount {{int}} NOT NULL,
	PRIMARY KEY (block, address));
CREATE TABLE balances (address TEXT PRIMARY KEY, amount {{int}} NOT NULL, updated_ms {{int}} NOT NULL);
CREATE TABLE ledger (id {{serial}}, address TEXT NOT NULL, amount {{int}} NOT NULL, kind TEXT NOT NULL, block TEXT NOT NULL,
	time_ms {{int}} NOT NULL);
CREATE INDEX ledger_address ON ledger (address, id);
CREATE TABLE bans (target TEXT PRIMARY KEY, reason TEXT NOT NULL, until_ms {{int}} NOT NULL, time_ms {{int}} NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value {{int}} NOT NULL)`,
	// 2: a session's best names its edge too (session numbers are per edge).
	`ALTER TABLE bests ADD COLUMN edge {{int}} NOT NULL DEFAULT 0`,
}

// migrations is the schema with a dialect's types.
func migrations(types map[string]string) []string {
	out := make([]string, len(schema))
	for i, s := range schema {
		for k, v := range types {
			s = strings.ReplaceAll(s, "{{"+k+"}}", v)
		}
		out[i] = s
	}
	return out
}

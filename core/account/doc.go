// Package account keeps what the pool owes its miners: every accepted
// share, committed before its verdict goes back; worker statistics per
// minute; best shares; found blocks through maturity; PPLNS splits and the
// balances they credit; bans.
//
// Shares are kept in batches: one row per group of credits, the credits
// packed in a fixed binary record (codec.go), so that a commit costs a row
// per batch rather than per share. Accounts group the batches that arrive
// while a commit is under way into the next transaction (group commit),
// and call each batch's done only after the transaction is durable.
//
// Two Stores implement the tables: SQLite (modernc.org/sqlite, pure Go,
// WAL with synchronous=FULL), the default, and PostgreSQL (pgx). Each runs
// its schema migrations at open.
package account

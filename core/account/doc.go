// Package account keeps what the pool owes its miners: every accepted
// share, committed before its verdict goes back; worker statistics per
// minute; best shares (of all time and of each worker's session); found
// blocks through maturity; PPLNS splits and the balances they credit;
// bans.
//
// Shares are kept in batches: one row per group of credits, the credits
// packed in a fixed binary record (codec.go), so that a commit costs a row
// per batch rather than per share. Accounts group the batches that arrive
// while a commit is under way into the next transaction (group commit,
// commit.go), and call each batch's done only after the transaction is
// durable.
//
// Two Stores implement the tables: SQLite (modernc.org/sqlite, pure Go,
// WAL; synchronous=NORMAL, with the accounts syncing the WAL themselves
// beside the next transaction's write), the default, and PostgreSQL (pgx).
// Each runs its schema migrations at open.
//
// What a failing store gets: a commit that fails is refused, its shares
// not acknowledged, and the core gates (Healthy says why) until a write
// works again; a found block's share is held and committed then (a block
// goes to the nodes whatever the store does). A commit whose answer is
// lost is in doubt until the store says, by the transaction number it
// keeps, whether it took (doubt.go). A failed sync stops crediting until a
// restart. A store that cannot be opened is tried again (opening.go).
//
// Blocks are followed against the chain beside the committer (blocks.go):
// confirmed once Maturity deep and their split written, when the split is
// credited; orphaned when another block holds their height, and followed
// until that one is mature. Batches are pruned beside it too, never those
// a PPLNS window still holds (prune.go).
package account

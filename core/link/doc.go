// Package link is the core's side of the wire protocol: it accepts edges,
// authenticates them and gives each name a stable edge id; it sends every
// edge the work state and each new job (encoded once); it authorizes
// miners' sessions and keeps their difficulties; and it judges their
// shares on validation workers that each own a part of the sessions, commits
// the credits to the accounts, and only then sends the verdicts.
package link

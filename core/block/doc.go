// Package block turns a share that solved a block into a block, submits it
// to every ready node at once, reads their answers, confirms the result
// with the nodes, and records every found block in an append-only journal
// before and after. A block a node rejects is reported with its reason and
// never counted as found.
package block

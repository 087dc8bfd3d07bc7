// Package stratum reads and writes Stratum v1, the JSON-over-lines protocol
// miners speak. It uses only the standard library.
//
// Lines splits a byte stream into lines as reads arrive: a line split across
// reads is kept in a scratch buffer, and the line limit (8 KiB) applies to
// partial lines too, so a peer cannot make it hold more. Decode turns a line
// into a Request: mining.submit, the one message that arrives in bulk, has a
// hand-written path that allocates nothing and keeps subslices of the line;
// everything else, and any submit it does not recognise, goes through
// encoding/json. A fuzz test holds the two paths to the same answer.
//
// The Append functions write server messages: responses with the request's
// id echoed byte for byte, and notifications with id null.
package stratum

package node

import (
	"errors"
	"fmt"
)

// Errors a call can end with besides transport errors.
var (
	// ErrUnauthorized: the node refused the credentials (HTTP 401).
	ErrUnauthorized = errors.New("node: credentials refused")
	// ErrForbidden: the node refused the client's address (HTTP 403, rpcallowip).
	ErrForbidden = errors.New("node: access forbidden (check rpcallowip)")
	// ErrBadResponse: the answer is not the JSON-RPC the call expects.
	ErrBadResponse = errors.New("node: malformed answer")
	// ErrNoCredentials: neither a user and password nor a cookie file.
	ErrNoCredentials = errors.New("node: no RPC credentials")
)

// RPC error codes the package acts on (Bitcoin Core's, which btcd shares).
const (
	codeNotConnected      = -9  // no peers
	codeInInitialDownload = -10 // still syncing
	codeBlockNotFound     = -5
)

// RPCError is an error the node returned for a call.
type RPCError struct {
	Method  string
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("node: %s: error %d: %s", e.Method, e.Code, e.Message)
}

// Syncing reports whether the error says the node cannot give work yet.
func (e *RPCError) Syncing() bool {
	return e.Code == codeInInitialDownload || e.Code == codeNotConnected
}

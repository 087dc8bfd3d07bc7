package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/stratapool/strata/core/chain"
)

// ChainInfo is what getblockchaininfo says about a node's sync state.
type ChainInfo struct {
	Chain                string  `json:"chain"`
	Blocks               int64   `json:"blocks"`
	Headers              int64   `json:"headers"`
	BestBlockHash        string  `json:"bestblockhash"`
	InitialBlockDownload bool    `json:"initialblockdownload"`
	VerificationProgress float64 `json:"verificationprogress"`
}

// Syncing reports whether the node is still catching up: in initial block
// download, or with headers it has not validated yet.
func (i *ChainInfo) Syncing() bool {
	return i.InitialBlockDownload || i.Headers > i.Blocks+1
}

// GetBlockchainInfo asks for the node's chain state.
func (c *Client) GetBlockchainInfo(ctx context.Context) (*ChainInfo, error) {
	var info ChainInfo
	if err := c.Call(ctx, "getblockchaininfo", nil, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// SubmitBlock offers a block: head is its header, transaction count and
// coinbase; txHex the rest of its transactions, already in hex (a template's
// TxHex, shared by every block built on it and not copied). The node's
// answer is "" when it accepted the block (JSON null) and its reason
// otherwise ("duplicate", "inconclusive", "high-hash", "rejected: ...").
func (c *Client) SubmitBlock(ctx context.Context, head, txHex []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	prefix := fmt.Appendf(nil, `{"jsonrpc":"1.0","id":%d,"method":"submitblock","params":["`, c.nextID.Add(1))
	prefix = hex.AppendEncode(prefix, head)
	var raw json.RawMessage
	if err := c.send(ctx, "submitblock", [][]byte{prefix, txHex, []byte(`"]}`)}, &raw); err != nil {
		return "", err
	}
	return parseSubmitAnswer(raw)
}

func parseSubmitAnswer(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var reason string
	if err := json.Unmarshal(raw, &reason); err != nil {
		return "", fmt.Errorf("%w: submitblock answered %s", ErrBadResponse, snippet(raw))
	}
	if reason == "" {
		return "", fmt.Errorf("%w: submitblock answered an empty string", ErrBadResponse)
	}
	return reason, nil
}

// GetBestBlockHash asks for the node's tip.
func (c *Client) GetBestBlockHash(ctx context.Context) (chain.Hash, error) {
	var s string
	if err := c.Call(ctx, "getbestblockhash", nil, &s); err != nil {
		return chain.Hash{}, err
	}
	h, err := chain.HashFromString(s)
	if err != nil || len(s) != 64 {
		return chain.Hash{}, fmt.Errorf("%w: getbestblockhash answered %q", ErrBadResponse, s)
	}
	return h, nil
}

// BlockHeader is what getblockheader says of a block.
type BlockHeader struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	// Confirmations is -1 for a block no longer on the node's best chain.
	Confirmations int64 `json:"confirmations"`
}

// ErrBlockNotFound: the node does not know the block.
var ErrBlockNotFound = errors.New("node: block not found")

// GetBlockHeader asks about a block.
func (c *Client) GetBlockHeader(ctx context.Context, hash chain.Hash) (*BlockHeader, error) {
	var h BlockHeader
	err := c.Call(ctx, "getblockheader", []any{hash.String(), true}, &h)
	var rpcErr *RPCError
	if errors.As(err, &rpcErr) && rpcErr.Code == codeBlockNotFound {
		return nil, fmt.Errorf("%w: %s on %s", ErrBlockNotFound, hash, c.name)
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

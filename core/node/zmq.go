package node

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"
	"github.com/stratapool/strata/core/chain"
)

// HashBlock is one hashblock notification.
type HashBlock struct {
	Hash chain.Hash
	Seq  uint32
}

// zmqPoll bounds how long the subscriber blocks before looking at ctx.
const zmqPoll = 250 * time.Millisecond

// ErrBadNotification is a ZMQ message that is not a hashblock notification.
var ErrBadNotification = errors.New("node: malformed zmq notification")

// SubscribeHashBlock receives Bitcoin Core's hashblock notifications from
// endpoint (tcp://host:port) and calls notify for each, until ctx ends. ZMQ
// reconnects by itself when the publisher goes away; a malformed message is
// logged and skipped, a gap in the sequence logged.
func SubscribeHashBlock(ctx context.Context, endpoint string, log *slog.Logger, notify func(HashBlock)) error {
	sock, err := zmq.NewSocket(zmq.SUB)
	if err != nil {
		return fmt.Errorf("node: zmq socket: %w", err)
	}
	defer sock.Close()
	for _, set := range []func() error{
		func() error { return sock.SetLinger(0) },
		func() error { return sock.SetRcvtimeo(zmqPoll) },
		func() error { return sock.SetTcpKeepalive(1) },
		func() error { return sock.SetSubscribe("hashblock") },
	} {
		if err := set(); err != nil {
			return fmt.Errorf("node: zmq socket options: %w", err)
		}
	}
	if err := sock.Connect(endpoint); err != nil {
		return fmt.Errorf("node: zmq connect %s: %w", endpoint, err)
	}
	var last uint32
	seen := false
	for ctx.Err() == nil {
		frames, err := sock.RecvMessageBytes(0)
		if err != nil {
			if zmq.AsErrno(err) == zmq.Errno(syscall.EAGAIN) {
				continue // the receive timeout passed
			}
			if ctx.Err() != nil {
				break
			}
			log.Warn("zmq receive failed", "endpoint", endpoint, "err", err)
			time.Sleep(zmqPoll)
			continue
		}
		hb, err := parseHashBlock(frames)
		if err != nil {
			log.Warn("zmq message skipped", "endpoint", endpoint, "err", err)
			continue
		}
		if seen && hb.Seq != last+1 {
			log.Warn("zmq notifications lost", "endpoint", endpoint, "after", last, "got", hb.Seq)
		}
		last, seen = hb.Seq, true
		notify(hb)
	}
	return ctx.Err()
}

// parseHashBlock reads the three frames Bitcoin Core sends: the topic, the
// block hash in display order, the sequence as 4 little-endian bytes.
func parseHashBlock(frames [][]byte) (HashBlock, error) {
	if len(frames) != 3 || string(frames[0]) != "hashblock" || len(frames[1]) != 32 || len(frames[2]) != 4 {
		return HashBlock{}, fmt.Errorf("%w: %d frames", ErrBadNotification, len(frames))
	}
	var hb HashBlock
	copy(hb.Hash[:], frames[1])
	slices.Reverse(hb.Hash[:])
	hb.Seq = binary.LittleEndian.Uint32(frames[2])
	return hb, nil
}

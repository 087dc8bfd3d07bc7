package regtest

import (
	"context"
	"testing"
	"time"
)

func TestStartGenerateStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	ctx := context.Background()
	n, err := Start(ctx, Options{Dir: t.TempDir(), MiningAddr: "bcrt1qw4m8w7re0fahclt707qgrq5rsjzcdpug8fg5y3"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Kill()
	hashes, err := n.Generate(ctx, 5)
	if err != nil || len(hashes) != 5 {
		t.Fatalf("generate: %v %v", hashes, err)
	}
	if err := n.WaitHeight(ctx, 5, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := n.Call(ctx, "nosuchmethod", nil, nil); err == nil {
		t.Error("an unknown method succeeded")
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if !n.Exited() {
		t.Fatal("btcd still running after Stop")
	}
}

package wire

import (
	"bytes"
	"testing"
)

func TestRawSendsAnEncodedMessage(t *testing.T) {
	job := &Job{ID: 3, Coinb1: []byte{1, 2}, Coinb2: []byte{3}}
	raw, err := NewRaw(job)
	if err != nil {
		t.Fatal(err)
	}
	edge, core, _ := sealedPair(t)
	var mem memConn
	var back Job
	pipeFrame(t, &mem, core, edge, raw, &back)
	if back.ID != 3 || !bytes.Equal(back.Coinb1, job.Coinb1) {
		t.Fatalf("raw job arrived as %+v", back)
	}
	if _, err := NewRaw(&Job{Branch: make([][32]byte, 40)}); err == nil {
		t.Error("a bad message encoded")
	}
	var r Raw
	if r.Decode([]byte{9}) != nil || r.Len() != 1 {
		t.Error("raw decode")
	}
}

package wire

// VerdictBatch carries the core's verdicts on a contiguous run of submits,
// named by the sequence number of the first. Batches may arrive in any
// order; each covers a range no other batch covers.
//
//	VERDICT (0x31), core -> edge:
//	+--------------------+-------------------+-------------------------------+
//	| first seq (uvarint)| runs (uvarint)    | runs x (verdict u8, len uvar) |
//	+--------------------+-------------------+-------------------------------+
//
// Verdicts are run-length encoded: almost every share is accepted, so a
// batch of 256 accepted shares is 5 bytes. Runs are at least 1 long, two
// adjacent runs never hold the same verdict, and a batch covers at most
// MaxVerdictBatch submits.
type VerdictBatch struct {
	FirstSeq uint64
	Verdicts []Verdict
}

func (*VerdictBatch) Type() Type { return TypeVerdict }

func (m *VerdictBatch) Len() int {
	n, runs := uvarintLen(m.FirstSeq), 0
	for i := 0; i < len(m.Verdicts); {
		j := i + 1
		for j < len(m.Verdicts) && m.Verdicts[j] == m.Verdicts[i] {
			j++
		}
		n += 1 + uvarintLen(uint64(j-i))
		runs++
		i = j
	}
	return n + uvarintLen(uint64(runs))
}

func (m *VerdictBatch) AppendBinary(b []byte) ([]byte, error) {
	v := m.Verdicts
	if len(v) == 0 || len(v) > MaxVerdictBatch {
		return b, encodeError(TypeVerdict, "count", ErrLimit)
	}
	runs := 0
	for i := range v {
		if !v[i].Valid() {
			return b, encodeError(TypeVerdict, "verdict", ErrInvalidValue)
		}
		if i == 0 || v[i] != v[i-1] {
			runs++
		}
	}
	b = appendUvarint(b, m.FirstSeq)
	b = appendUvarint(b, uint64(runs))
	for i := 0; i < len(v); {
		j := i + 1
		for j < len(v) && v[j] == v[i] {
			j++
		}
		b = appendUvarint(append(b, byte(v[i])), uint64(j-i))
		i = j
	}
	return b, nil
}

func (m *VerdictBatch) Decode(b []byte) error {
	d := newDecoder(TypeVerdict, b)
	m.FirstSeq = d.uvarint("first_seq", ^uint64(0))
	runs := int(d.uvarint("runs", MaxVerdictBatch))
	m.Verdicts = m.Verdicts[:0]
	if d.err == nil && runs == 0 {
		d.fail("runs", ErrInvalidValue)
	}
	// A run is at least two bytes: check before the loop so a short frame
	// cannot claim many runs.
	if d.err == nil && (len(b)-d.off)/2 < runs {
		d.fail("runs", ErrTruncated)
	}
	prev := NumVerdicts
	for i := 0; i < runs && d.err == nil; i++ {
		v := Verdict(d.enum("verdict", uint8(NumVerdicts)))
		n := int(d.uvarint("run_length", uint64(MaxVerdictBatch-len(m.Verdicts))))
		if d.err != nil {
			break
		}
		if n == 0 || v == prev {
			d.fail("run", ErrNonCanonical)
			break
		}
		prev = v
		for range n {
			m.Verdicts = append(m.Verdicts, v)
		}
	}
	return d.finish()
}

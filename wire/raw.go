package wire

// Raw is a payload encoded once and sent on many links: a JOB goes to every
// edge, sealed separately for each, but encoded only once.
type Raw struct {
	T       Type
	Payload []byte
}

// NewRaw encodes m once.
func NewRaw(m Message) (*Raw, error) {
	p, err := Encode(m)
	if err != nil {
		return nil, err
	}
	return &Raw{T: m.Type(), Payload: p}, nil
}

func (r *Raw) Type() Type { return r.T }
func (r *Raw) Len() int   { return len(r.Payload) }

func (r *Raw) AppendBinary(b []byte) ([]byte, error) { return append(b, r.Payload...), nil }

// Decode keeps a copy of the payload without checking it.
func (r *Raw) Decode(b []byte) error {
	r.Payload = append(r.Payload[:0], b...)
	return nil
}

package wire

// WorkState tells edges whether they may hand out work. A gated core sends
// Reason != WorkReady: edges stop sending new jobs and say why.
//
//	WORK_STATE (0x11), core -> edge:
//	+--------+--------+
//	| reason | detail |
//	| u8     | string |
//	+--------+--------+
type WorkState struct {
	Reason WorkReason
	Detail string
}

func (*WorkState) Type() Type { return TypeWorkState }

func (m *WorkState) Len() int { return 1 + uvarintLen(uint64(len(m.Detail))) + len(m.Detail) }

// Ready reports whether work may be handed out.
func (m *WorkState) Ready() bool { return m.Reason == WorkReady }

func (m *WorkState) AppendBinary(b []byte) ([]byte, error) {
	if !m.Reason.Valid() {
		return b, encodeError(TypeWorkState, "reason", ErrInvalidValue)
	}
	if err := checkString(TypeWorkState, "detail", m.Detail, MaxTextLen); err != nil {
		return b, err
	}
	return appendString(append(b, byte(m.Reason)), m.Detail), nil
}

func (m *WorkState) Decode(b []byte) error {
	d := newDecoder(TypeWorkState, b)
	*m = WorkState{
		Reason: WorkReason(d.enum("reason", uint8(NumWorkReasons))),
		Detail: d.str("detail", MaxTextLen),
	}
	return d.finish()
}

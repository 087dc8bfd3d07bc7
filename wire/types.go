package wire

import "fmt"

// Type identifies a message. It is the fifth byte of every frame header.
type Type uint8

// Message types. The values are part of the protocol: never renumber.
const (
	TypeHello         Type = 0x01 // edge -> core, plaintext
	TypeChallenge     Type = 0x02 // core -> edge, plaintext
	TypeAuth          Type = 0x03 // edge -> core, first sealed frame
	TypeWelcome       Type = 0x04 // core -> edge
	TypeGoodbye       Type = 0x05 // both
	TypePing          Type = 0x06 // both
	TypePong          Type = 0x07 // both
	TypeStats         Type = 0x08 // both
	TypeJob           Type = 0x10 // core -> edge
	TypeWorkState     Type = 0x11 // core -> edge
	TypeSessionOpen   Type = 0x20 // edge -> core
	TypeSessionUpdate Type = 0x21 // edge -> core
	TypeSessionClose  Type = 0x22 // edge -> core
	TypeAuthResult    Type = 0x23 // core -> edge
	TypeSubmit        Type = 0x30 // edge -> core
	TypeVerdict       Type = 0x31 // core -> edge
	TypeBlockFound    Type = 0x40 // core -> edge
	TypeShowMessage   Type = 0x41 // core -> edge
	TypeReconnect     Type = 0x42 // core -> edge
	TypeDrop          Type = 0x43 // core -> edge
	TypeBan           Type = 0x44 // both, with CapBans
)

// Direction says which end may send a message type.
type Direction uint8

const (
	EdgeToCore Direction = 1 << iota
	CoreToEdge
	Both = EdgeToCore | CoreToEdge
)

type typeInfo struct {
	name string
	dir  Direction
	// compressible marks types whose payload may be large enough to be
	// worth compressing.
	compressible bool
	new          func() Message
}

var types = map[Type]typeInfo{
	TypeHello:         {"HELLO", EdgeToCore, false, func() Message { return new(Hello) }},
	TypeChallenge:     {"CHALLENGE", CoreToEdge, false, func() Message { return new(Challenge) }},
	TypeAuth:          {"AUTH", EdgeToCore, false, func() Message { return new(Auth) }},
	TypeWelcome:       {"WELCOME", CoreToEdge, false, func() Message { return new(Welcome) }},
	TypeGoodbye:       {"GOODBYE", Both, false, func() Message { return new(Goodbye) }},
	TypePing:          {"PING", Both, false, func() Message { return new(Ping) }},
	TypePong:          {"PONG", Both, false, func() Message { return new(Pong) }},
	TypeStats:         {"STATS", Both, true, func() Message { return new(Stats) }},
	TypeJob:           {"JOB", CoreToEdge, true, func() Message { return new(Job) }},
	TypeWorkState:     {"WORK_STATE", CoreToEdge, false, func() Message { return new(WorkState) }},
	TypeSessionOpen:   {"SESSION_OPEN", EdgeToCore, false, func() Message { return new(SessionOpen) }},
	TypeSessionUpdate: {"SESSION_UPDATE", EdgeToCore, false, func() Message { return new(SessionUpdate) }},
	TypeSessionClose:  {"SESSION_CLOSE", EdgeToCore, false, func() Message { return new(SessionClose) }},
	TypeAuthResult:    {"AUTH_RESULT", CoreToEdge, false, func() Message { return new(AuthResult) }},
	TypeSubmit:        {"SUBMIT", EdgeToCore, false, func() Message { return new(SubmitBatch) }},
	TypeVerdict:       {"VERDICT", CoreToEdge, false, func() Message { return new(VerdictBatch) }},
	TypeBlockFound:    {"BLOCK_FOUND", CoreToEdge, false, func() Message { return new(BlockFound) }},
	TypeShowMessage:   {"SHOW_MESSAGE", CoreToEdge, false, func() Message { return new(ShowMessage) }},
	TypeReconnect:     {"RECONNECT", CoreToEdge, false, func() Message { return new(Reconnect) }},
	TypeDrop:          {"DROP", CoreToEdge, false, func() Message { return new(Drop) }},
	TypeBan:           {"BAN", Both, false, func() Message { return new(Ban) }},
}

// typeCaps are the types a link may carry only when both ends agreed a
// capability.
var typeCaps = map[Type]Caps{TypeBan: CapBans}

// allowed reports whether a link with caps may carry t.
func (t Type) allowed(caps Caps) bool { return caps.Has(typeCaps[t]) }

// Types lists every message type in numeric order.
func Types() []Type {
	out := make([]Type, 0, len(types))
	for t := range 256 {
		if _, ok := types[Type(t)]; ok {
			out = append(out, Type(t))
		}
	}
	return out
}

func (t Type) String() string {
	if info, ok := types[t]; ok {
		return info.name
	}
	return fmt.Sprintf("Type(0x%02x)", uint8(t))
}

// Known reports whether t is a message type of this protocol version.
func (t Type) Known() bool { _, ok := types[t]; return ok }

// Direction reports which end may send t; zero for unknown types.
func (t Type) Direction() Direction { return types[t].dir }

// New returns an empty message of type t, or an error for an unknown type.
func New(t Type) (Message, error) {
	info, ok := types[t]
	if !ok {
		return nil, fmt.Errorf("%w: 0x%02x", ErrUnknownType, uint8(t))
	}
	return info.new(), nil
}

// SessionID names a miner's session on one edge. Zero is never a session:
// messages use it to mean "every session".
type SessionID uint32

// JobID is the core's short job identifier. It increases by one per job and
// wraps; compare with [JobID.Before], never with <.
type JobID uint32

// Before reports whether j was issued before k, in serial number arithmetic
// (RFC 1982): correct across the wrap as long as the two are less than 2^31
// jobs apart.
func (j JobID) Before(k JobID) bool { return int32(uint32(j)-uint32(k)) < 0 }

// Caps is a set of optional protocol features. An end offers what it
// supports; the link uses the intersection.
type Caps uint64

const (
	// CapCompression allows s2-compressed JOB and STATS payloads.
	CapCompression Caps = 1 << iota
	// CapBans allows BAN: the ends share the bans an edge makes.
	CapBans
)

// AllCaps is every capability this version of the package implements.
const AllCaps = CapCompression | CapBans

// Has reports whether every capability in c2 is in c.
func (c Caps) Has(c2 Caps) bool { return c&c2 == c2 }

// AuthMode is how a link is protected, chosen by the edge in its HELLO.
type AuthMode uint8

const (
	// AuthPSK authenticates both ends with a pre-shared key and seals every
	// frame after the handshake with AES-256-GCM.
	AuthPSK AuthMode = 1
	// AuthNone is plain text, allowed only when both ends are on loopback
	// and both operators asked for it.
	AuthNone AuthMode = 2
)

func (m AuthMode) String() string {
	switch m {
	case AuthPSK:
		return "psk"
	case AuthNone:
		return "none"
	}
	return fmt.Sprintf("AuthMode(%d)", uint8(m))
}

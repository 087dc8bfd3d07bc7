package stratum

import "fmt"

// Method is a method the pool knows, from its name.
type Method uint8

const (
	MethodUnknown Method = iota
	MethodSubmit
	MethodSubscribe
	MethodAuthorize
	MethodConfigure
	MethodSuggestDifficulty
	MethodSuggestTarget
	MethodExtranonceSubscribe
	MethodPing            // mining.ping from a miner
	MethodPong            // {"method":"pong"}: how some miners answer our ping
	MethodGetTransactions // mining.get_transactions
	MethodMultiVersion    // mining.multi_version
	MethodResult          // a response to the pool's own request ("result", no method)
	NumMethods
)

var methodNames = [NumMethods]string{
	MethodUnknown:             "unknown",
	MethodSubmit:              "mining.submit",
	MethodSubscribe:           "mining.subscribe",
	MethodAuthorize:           "mining.authorize",
	MethodConfigure:           "mining.configure",
	MethodSuggestDifficulty:   "mining.suggest_difficulty",
	MethodSuggestTarget:       "mining.suggest_target",
	MethodExtranonceSubscribe: "mining.extranonce.subscribe",
	MethodPing:                "mining.ping",
	MethodPong:                "pong",
	MethodGetTransactions:     "mining.get_transactions",
	MethodMultiVersion:        "mining.multi_version",
	MethodResult:              "result",
}

func (m Method) String() string {
	if m >= NumMethods {
		return fmt.Sprintf("Method(%d)", uint8(m))
	}
	return methodNames[m]
}

// methodOf names a method; it does not allocate.
func methodOf(name []byte) Method {
	switch string(name) {
	case "mining.submit":
		return MethodSubmit
	case "mining.subscribe":
		return MethodSubscribe
	case "mining.authorize":
		return MethodAuthorize
	case "mining.configure":
		return MethodConfigure
	case "mining.suggest_difficulty":
		return MethodSuggestDifficulty
	case "mining.suggest_target":
		return MethodSuggestTarget
	case "mining.extranonce.subscribe":
		return MethodExtranonceSubscribe
	case "mining.ping":
		return MethodPing
	case "pong", "mining.pong":
		return MethodPong
	case "mining.get_transactions":
		return MethodGetTransactions
	case "mining.multi_version":
		return MethodMultiVersion
	}
	return MethodUnknown
}

// Limits on what a request may carry.
const (
	MaxID     = 64 // bytes of a request id, as JSON
	maxMethod = 64 // bytes of a method name
	maxParams = 8  // params the submit path looks at
)

// Submit is a mining.submit's params as the miner sent them (hex strings,
// not yet decoded), subslices of the line.
type Submit struct {
	Worker      []byte
	JobID       []byte
	Extranonce2 []byte
	NTime       []byte
	Nonce       []byte
	// Version is the sixth param, version bits, when sent.
	Version    []byte
	HasVersion bool
}

// Request is one decoded line. Its slices point into the line, or into
// memory of the decode for lines that took the slow path; they are valid as
// long as the line is.
type Request struct {
	// ID is the id exactly as sent: a JSON number, a JSON string with its
	// quotes, or null (also when the line had none).
	ID     []byte
	Method Method
	// Name is the method as sent (for an unknown method's error message).
	Name []byte
	// Params is the params array as JSON, for methods other than submit.
	Params []byte
	// Result is a response's result as JSON (MethodResult).
	Result []byte
	Submit Submit
}

func (r *Request) reset() {
	*r = Request{ID: null}
}

var null = []byte("null")

package stratum

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Decode decodes one line into r. A mining.submit in the usual shape takes
// the fast path and allocates nothing; anything else is decoded by
// encoding/json. An error says why the line is not a request, and r.ID is
// set when the id could be read, so the answer can carry it.
func Decode(line []byte, r *Request) error {
	r.reset()
	if fastSubmit(line, r) {
		return nil
	}
	r.reset()
	return slowDecode(line, r)
}

// fastSubmit decodes an object with keys among id, method, params and
// jsonrpc (each once), params an array of plain strings (no escapes), and
// method "mining.submit". For anything else it reports false and the slow
// path decides.
func fastSubmit(b []byte, r *Request) bool {
	var (
		i                   int
		seenID, seenMethod  bool
		seenParams, seenRPC bool
		params              [maxParams][]byte
		nparams             int
	)
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	for {
		i = skipSpace(b, i)
		name, next, ok := key(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, next)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		switch string(name) {
		case "id":
			if seenID {
				return false
			}
			seenID = true
			end, ok := scalar(b, i)
			if !ok || end-i > MaxID {
				return false
			}
			r.ID = b[i:end]
			i = end
		case "method":
			if seenMethod {
				return false
			}
			seenMethod = true
			name, next, ok := plainString(b, i)
			if !ok || string(name) != "mining.submit" {
				return false
			}
			r.Name = name
			i = next
		case "params":
			if seenParams || i >= len(b) || b[i] != '[' {
				return false
			}
			seenParams = true
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == ']' {
				i++
				break
			}
			for {
				if nparams == maxParams {
					return false
				}
				s, next, ok := plainString(b, i)
				if !ok {
					return false
				}
				params[nparams] = s
				nparams++
				i = skipSpace(b, next)
				if i < len(b) && b[i] == ',' {
					i = skipSpace(b, i+1)
					continue
				}
				if i < len(b) && b[i] == ']' {
					i++
					break
				}
				return false
			}
		case "jsonrpc":
			if seenRPC {
				return false
			}
			seenRPC = true
			_, next, ok := plainString(b, i)
			if !ok {
				return false
			}
			i = next
		default:
			return false
		}
		// After a member: another, or the end of the object.
		i = skipSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i < len(b) && b[i] == '}' {
			i++
			break
		}
		return false
	}
	if skipSpace(b, i) != len(b) || !seenMethod || !seenParams || (nparams != 5 && nparams != 6) {
		return false
	}
	r.Method = MethodSubmit
	if !seenID {
		r.ID = null
	}
	s := &r.Submit
	s.Worker, s.JobID, s.Extranonce2, s.NTime, s.Nonce = params[0], params[1], params[2], params[3], params[4]
	if nparams == 6 {
		s.Version, s.HasVersion = params[5], true
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// Byte classes inside a JSON string, for plainString's single pass.
const (
	classPlain = iota
	classQuote
	classBad  // a backslash or a control character: the slow path decides
	classHigh // part of a multi-byte UTF-8 sequence: checked at the end
)

var stringClass = func() (t [256]byte) {
	for c := range 0x20 {
		t[c] = classBad
	}
	t['"'] = classQuote
	t['\\'] = classBad
	for c := 0x80; c < 0x100; c++ {
		t[c] = classHigh
	}
	return t
}()

// plainString reads a JSON string without escapes or control characters,
// in valid UTF-8; it returns the contents and the index after the quote.
func plainString(b []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	start := i + 1
	high := false
	for j := start; j < len(b); j++ {
		switch stringClass[b[j]] {
		case classPlain:
		case classQuote:
			if high && !utf8.Valid(b[start:j]) {
				return nil, 0, false
			}
			return b[start:j], j + 1, true
		case classHigh:
			high = true
		default:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// key reads an object key, matching the ones the fast path knows as
// literals first.
func key(b []byte, i int) (k []byte, next int, ok bool) {
	for _, lit := range knownKeys {
		if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
			return b[i+1 : i+len(lit)-1], i + len(lit), true
		}
	}
	return plainString(b, i)
}

var knownKeys = [...]string{`"params"`, `"id"`, `"method"`, `"jsonrpc"`}

// scalar finds the end of an id: null, a plain string, or a number in
// JSON's grammar.
func scalar(b []byte, i int) (end int, ok bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == 'n':
		if len(b)-i >= 4 && string(b[i:i+4]) == "null" {
			return i + 4, true
		}
		return 0, false
	case c == '"':
		_, next, ok := plainString(b, i)
		return next, ok
	case c == '-' || (c >= '0' && c <= '9'):
		return number(b, i)
	}
	return 0, false
}

// number scans a JSON number.
func number(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false
		}
	}
	return i, true
}

// slowRequest is a line as encoding/json reads it.
type slowRequest struct {
	ID     json.RawMessage `json:"id"`
	Method *string         `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// slowDecode decodes any line with encoding/json.
func slowDecode(line []byte, r *Request) error {
	var s slowRequest
	if err := json.Unmarshal(line, &s); err != nil {
		return fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	if len(s.ID) > 0 {
		if len(s.ID) > MaxID {
			return ErrIDTooLong
		}
		if end, ok := scalar(s.ID, 0); !ok || end != len(s.ID) {
			return ErrBadID
		}
		r.ID = s.ID
	}
	if s.Method == nil {
		if s.Result != nil || s.Error != nil {
			r.Method, r.Result = MethodResult, s.Result
			return nil
		}
		return ErrNoMethod
	}
	if len(*s.Method) > maxMethod {
		return ErrMethodTooLong
	}
	r.Name = []byte(*s.Method)
	r.Method = methodOf(r.Name)
	r.Params = s.Params
	if r.Method != MethodSubmit {
		return nil
	}
	var params []json.RawMessage
	if err := json.Unmarshal(s.Params, &params); err != nil || (len(params) != 5 && len(params) != 6) {
		return fmt.Errorf("%w: mining.submit takes 5 or 6 string params", ErrBadParams)
	}
	str := make([][]byte, len(params))
	for i, p := range params {
		var v string
		if err := json.Unmarshal(p, &v); err != nil {
			return fmt.Errorf("%w: mining.submit param %d is not a string", ErrBadParams, i+1)
		}
		str[i] = []byte(v)
	}
	sub := &r.Submit
	sub.Worker, sub.JobID, sub.Extranonce2, sub.NTime, sub.Nonce = str[0], str[1], str[2], str[3], str[4]
	if len(str) == 6 {
		sub.Version, sub.HasVersion = str[5], true
	}
	return nil
}

package stats

import (
	"bytes"
	"html/template"
	"math"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// pageTemplate is the status page: what an operator looks at first.
var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"hashrate": hashrate,
	"diff":     difficulty,
	"btc":      func(sat int64) string { return strconv.FormatFloat(float64(sat)/1e8, 'f', 8, 64) },
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<title>Strata pool · {{.O.Network}}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;width:100%}td,th{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b00}.ok{color:#070}
</style></head><body>
<h1>Strata pool <small>({{.O.Network}}, {{.O.Mode}} mode{{if .O.Flood}}, FLOOD{{end}})</small></h1>
<p>{{if .O.Work.Ready}}<span class="ok">Handing out work</span>{{else}}<span class="bad">No work: {{.O.Work.Reason}} — {{.O.Work.Detail}}</span>{{end}}
· height {{.O.Height}} · network difficulty {{diff .O.NetworkDifficulty}} · template {{printf "%.0f" .O.TemplateAge}} s old</p>
<table>
<tr><th>Hashrate (5 min)</th><td class="num">{{hashrate .O.Pool.Hashrate5m}}</td><th>Hashrate (1 h)</th><td class="num">{{hashrate .O.Pool.Hashrate1h}}</td></tr>
<tr><th>Workers online</th><td class="num">{{.O.Pool.Online}} of {{.O.Pool.Workers}}</td><th>Connections</th><td class="num">{{.O.Connections}} on {{.O.Edges}} edge(s)</td></tr>
<tr><th>Shares accepted</th><td class="num">{{.O.Pool.Accepted}}</td><th>Rejected</th><td class="num">{{.O.Pool.Rejected}}</td></tr>
<tr><th>Best share ever</th><td class="num">{{diff .O.Pool.BestEver}}</td><th>Blocks found</th><td class="num">{{.O.Pool.BlocksFound}}</td></tr>
<tr><th>Accounts</th><td colspan="3">{{if .O.Accounts.Healthy}}<span class="ok">committing</span>{{else}}<span class="bad">{{.O.Accounts.Detail}}</span>{{end}} · {{.O.Accounts.Credited}} shares credited</td></tr>
</table>
<h2>Top workers</h2>
<table><tr><th>Worker</th><th class="num">5 min</th><th class="num">1 h</th><th class="num">Best (session)</th><th class="num">Best (ever)</th><th>Last share</th></tr>
{{range .Workers}}<tr><td>{{.Name}}</td><td class="num">{{hashrate .Hashrate5m}}</td><td class="num">{{hashrate .Hashrate1h}}</td><td class="num">{{diff .BestSession}}</td><td class="num">{{diff .BestEver}}</td><td>{{ago .LastShare}}</td></tr>
{{else}}<tr><td colspan="6">No worker yet.</td></tr>{{end}}</table>
<h2>Found blocks</h2>
<table><tr><th class="num">Height</th><th>Hash</th><th>Worker</th><th class="num">Reward (BTC)</th><th>Status</th><th>Found</th></tr>
{{range .Blocks}}<tr><td class="num">{{.Height}}</td><td><code>{{.Hash}}</code></td><td>{{.Worker}}</td><td class="num">{{btc .Reward}}</td><td>{{.Status}}{{if .Confirmations}} ({{.Confirmations}}){{end}}</td><td>{{ago .FoundAt}}</td></tr>
{{else}}<tr><td colspan="6">None yet.</td></tr>{{end}}</table>
<h2>Nodes</h2>
<table><tr><th>Node</th><th>State</th><th class="num">Height</th><th class="num">RTT</th><th>Last error</th></tr>
{{range .Nodes}}<tr><td>{{.Name}}{{if .Active}} (active){{end}}</td><td>{{.Health}}</td><td class="num">{{.Height}}</td><td class="num">{{printf "%.1f" .RTTMs}} ms</td><td>{{.LastError}}</td></tr>{{end}}</table>
<p><small>strata {{.O.Build.Version}} · <a href="/api/overview">/api/overview</a> · <a href="/metrics">/metrics</a></small></p>
</body></html>
`))

func (s *Server) page(ctx *fasthttp.RequestCtx) {
	now := time.Now()
	data := struct {
		O       Overview
		Workers any
		Blocks  []BlockView
		Nodes   []NodeView
	}{O: s.overview(now)}
	if s.src.Accounts != nil {
		data.Workers, _ = s.src.Accounts.Workers(now, 0, 20)
	}
	data.Blocks, _ = s.blockViews(0, 10)
	data.Nodes, _ = s.nodes()["nodes"].([]NodeView)
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		s.fail(ctx, fasthttp.StatusInternalServerError, err.Error())
		return
	}
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.SetBody(buf.Bytes())
}

// hashrate writes hashes per second with a unit.
func hashrate(h float64) string {
	units := []string{"H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s", "EH/s"}
	i := 0
	for h >= 1000 && i < len(units)-1 {
		h /= 1000
		i++
	}
	return strconv.FormatFloat(h, 'f', 2, 64) + " " + units[i]
}

// difficulty writes a difficulty readably: 1.23M, 4.5G, 0.001.
func difficulty(d float64) string {
	switch {
	case d == 0:
		return "0"
	case d < 1:
		return strconv.FormatFloat(d, 'g', 3, 64)
	}
	units := []string{"", "k", "M", "G", "T", "P", "E"}
	i := int(math.Min(math.Floor(math.Log10(d)/3), float64(len(units)-1)))
	return strconv.FormatFloat(d/math.Pow(1000, float64(i)), 'f', 2, 64) + units[i]
}

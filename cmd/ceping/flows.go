package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/session"
)

// flowRow is one flow as `ceping flows --json` prints it.
type flowRow struct {
	ID       int64  `json:"id"`
	Time     string `json:"time"`
	Source   string `json:"source"`
	Method   string `json:"method"`
	URL      string `json:"url"`
	Host     string `json:"host"`
	IP       string `json:"ip"`
	Port     int    `json:"port"`
	SNI      string `json:"sni"`
	Scheme   string `json:"scheme"`
	Status   int    `json:"status"`
	ReqSize  int64  `json:"req_size"`
	RespSize int64  `json:"resp_size"`
	// NotIntercepted marks a TLS connection whose content was not read.
	NotIntercepted bool   `json:"not_intercepted,omitempty"`
	Error          string `json:"error,omitempty"`
}

func rowOf(f *evidence.Flow) flowRow {
	return flowRow{ID: f.ID, Time: f.Start.Format(time.RFC3339Nano), Source: string(f.Source), Method: f.Method,
		URL: f.URL, Host: f.Host, IP: f.ServerIP, Port: f.ServerPort, SNI: f.SNI, Scheme: f.Scheme, Status: f.Status,
		ReqSize: f.ReqBody.Size, RespSize: f.RespBody.Size, NotIntercepted: f.NotIntercepted, Error: f.Error}
}

func init() {
	var dir, host, source string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "flows --session DIR [--json] [--host H] [--limit N]",
		Short: "list the session's recorded flows (table or JSON)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return &exitError{code: 2, msg: "flows: --session is required"}
			}
			if limit < 0 {
				return &exitError{code: 2, msg: "flows: --limit must be ≥ 0"}
			}
			st, err := session.Open(dir)
			if err != nil {
				return err
			}
			defer st.Close()
			fs, err := st.Flows(session.FlowQuery{Host: host, Limit: limit, Source: evidence.Source(source)})
			if err != nil {
				return err
			}
			rows := make([]flowRow, len(fs))
			for i, f := range fs {
				rows[i] = rowOf(f)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(rows)
			}
			return writeFlowsTable(cmd.OutOrStdout(), rows)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "session", "", "session folder")
	f.StringVar(&host, "host", "", "only flows to this host or its subdomains")
	f.StringVar(&source, "source", "", "only flows of this capture source (proxy, pcap, har)")
	f.IntVar(&limit, "limit", 0, "at most N flows (0: all)")
	f.BoolVar(&asJSON, "json", false, "print a JSON array, one object per flow")
	rootCmd.AddCommand(cmd)
}

func writeFlowsTable(w io.Writer, rows []flowRow) error {
	t := newTable(w)
	t.Header("ID", "时间 time", "来源 source", "method", "status", "host", "ip:port", "SNI", "URL")
	for _, r := range rows {
		status := ""
		if r.Status != 0 {
			status = strconv.Itoa(r.Status)
		}
		if r.NotIntercepted {
			status = "TLS未解密"
		}
		addr := ""
		if r.IP != "" || r.Port != 0 {
			addr = fmt.Sprintf("%s:%d", r.IP, r.Port)
			if len(r.IP) > 0 && containsColon(r.IP) {
				addr = fmt.Sprintf("[%s]:%d", r.IP, r.Port)
			}
		}
		tm := r.Time
		if t0, err := time.Parse(time.RFC3339Nano, r.Time); err == nil {
			tm = t0.Local().Format("2006-01-02 15:04:05.000")
		}
		if err := t.Append(strconv.FormatInt(r.ID, 10), tm, r.Source, r.Method, status, r.Host, addr, r.SNI, clipRunes(r.URL, 80)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d flows\n", len(rows))
	return err
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

package main

// Live packet capture alongside the proxy (--iface): DNS answers, transport
// connections (with TLS/QUIC SNI) and plain-HTTP exchanges of traffic that
// does not go through the proxy — when the laptop is the phone's gateway
// (hotspot) or sees its traffic on a mirror port.

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/probes/pcap"
	"github.com/ceping/ceping/session"
)

// liveCapture runs until ctx ends; done is closed when its last update has
// been stored (or after a grace period: the packet reader may wait for one
// more packet).
type liveCapture struct {
	done  chan struct{}
	stats struct{ dns, flows, conns int }
	err   error
}

// startLive captures on iface and stores what it sees in st, leaving out
// the proxy's own connections (port proxyPort on this machine), which the
// proxy records itself.
func startLive(ctx context.Context, iface string, st *session.Store, proxyAddr string, out *printer) *liveCapture {
	lc := &liveCapture{done: make(chan struct{})}
	_, portStr, _ := net.SplitHostPort(proxyAddr)
	proxyPort, _ := strconv.Atoi(portStr)
	viaProxy := func(port int) bool { return proxyPort != 0 && port == proxyPort }
	stored := map[string]bool{} // flows already stored from a periodic update
	key := func(f *evidence.Flow) string {
		return f.ClientAddr + " " + f.Start.Format(time.RFC3339Nano) + " " + f.Method + " " + f.URL
	}
	go func() {
		defer close(lc.done)
		err := pcap.Live(ctx, iface, func(u pcap.LiveUpdate) {
			if len(u.DNS) > 0 {
				if err := st.AddDNS(u.DNS); err != nil {
					log.WithError(err).Warn("live capture: storing DNS answers")
				} else {
					lc.stats.dns += len(u.DNS)
				}
			}
			var fs []*evidence.Flow
			flows := u.Flows
			if u.Final != nil {
				flows = append(append([]*evidence.Flow(nil), flows...), u.Final.Flows...)
			}
			for _, f := range flows {
				if k := key(f); !viaProxy(f.ServerPort) && !stored[k] {
					stored[k] = true
					fs = append(fs, f)
				}
			}
			if len(fs) > 0 {
				if err := st.AddFlows(fs); err != nil {
					log.WithError(err).Warn("live capture: storing flows")
				} else {
					lc.stats.flows += len(fs)
					for _, f := range fs {
						out.Println(flowLine(f, nil))
					}
				}
			}
			if u.Final != nil {
				var cs []evidence.Conn
				for _, c := range u.Final.Conns {
					if !viaProxy(c.DstPort) && !viaProxy(c.SrcPort) {
						cs = append(cs, c)
					}
				}
				if err := st.AddConns(cs); err != nil {
					log.WithError(err).Warn("live capture: storing connections")
				} else {
					lc.stats.conns += len(cs)
				}
			}
		})
		if err != nil && ctx.Err() == nil {
			lc.err = err
			log.WithError(err).Warnf("live capture on %s stopped (needs root or CAP_NET_RAW)", iface)
		}
	}()
	return lc
}

// wait waits for the final update, at most grace.
func (lc *liveCapture) wait(grace time.Duration) {
	select {
	case <-lc.done:
	case <-time.After(grace):
		log.Warn("live capture: no final update (no packet after stop); connections of this run are not stored")
	}
}

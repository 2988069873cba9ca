package mitm

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// wsEchoServer answers each text message with "echo:"+msg (text) and each
// binary message with the bytes reversed (binary).
func wsEchoServer(t testing.TB) string {
	mux := http.NewServeMux()
	mux.Handle("/ws", websocket.Handler(func(c *websocket.Conn) {
		for {
			var frame []byte
			var typ byte
			keep := websocket.Codec{Unmarshal: func(data []byte, pt byte, _ any) error {
				frame, typ = data, pt
				return nil
			}}
			if err := keep.Receive(c, nil); err != nil {
				return
			}
			if typ == websocket.BinaryFrame {
				rev := make([]byte, len(frame))
				for i, b := range frame {
					rev[len(frame)-1-i] = b
				}
				websocket.Message.Send(c, rev)
			} else {
				websocket.Message.Send(c, "echo:"+string(frame))
			}
		}
	}))
	return newPlainServer(t, mux)
}

// dialPlainWS opens ws://host/ws through the proxy as an HTTP proxy client
// does: a plain connection to the proxy and an absolute-URI request.
func dialPlainWS(t testing.TB, r *rig, host string) (*websocket.Conn, net.Conn) {
	t.Helper()
	c, err := net.DialTimeout("tcp", r.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cfg, err := websocket.NewConfig("ws://"+host+"/ws", "http://"+host)
	if err != nil {
		t.Fatal(err)
	}
	// the request line carries the absolute URI (http://host/ws), as a
	// client configured with an HTTP proxy sends it
	cfg.Location = &url.URL{Scheme: "http", Opaque: "//" + host + "/ws", Host: host}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	ws, err := websocket.NewClient(cfg, c)
	if err != nil {
		t.Fatalf("websocket handshake through the proxy: %v", err)
	}
	return ws, c
}

func TestPlainWebSocketRecorded(t *testing.T) {
	plain := wsEchoServer(t)
	r := newRig(t, http.NotFoundHandler(), false, func(c *Config) {
		c.ConnectTo["chat.example.net"] = plain
		c.Resolve["chat.example.net"] = "192.0.2.45"
	})
	ws, _ := dialPlainWS(t, r, "chat.example.net")
	big := strings.Repeat("y", 70000) // 64-bit length form
	for _, m := range []string{"hello", "世界", big} {
		if err := websocket.Message.Send(ws, m); err != nil {
			t.Fatal(err)
		}
		var back string
		if err := websocket.Message.Receive(ws, &back); err != nil || back != "echo:"+m {
			t.Fatalf("echo %q (%v)", back[:min(len(back), 20)], err)
		}
	}
	bin := []byte{0, 1, 2, 0xff}
	if err := websocket.Message.Send(ws, bin); err != nil {
		t.Fatal(err)
	}
	var back []byte
	if err := websocket.Message.Receive(ws, &back); err != nil || !bytes.Equal(back, []byte{0xff, 2, 1, 0}) {
		t.Fatalf("binary echo %x (%v)", back, err)
	}
	before := time.Now()
	ws.Close()
	f := r.rec.wait(t, 1)[0]
	if f.Scheme != "ws" || f.Status != 101 || f.URL != "http://chat.example.net/ws" || f.Host != "chat.example.net" ||
		f.ServerIP != "192.0.2.45" || f.ServerPort != 80 {
		t.Fatalf("flow scheme %q status %d url %q host %q server %s:%d", f.Scheme, f.Status, f.URL, f.Host, f.ServerIP, f.ServerPort)
	}
	type m struct {
		app  bool
		op   int
		data string
	}
	var got []m
	var last time.Time
	for _, w := range f.WebSocket {
		if w.Time.Before(f.Start) || w.Time.After(before.Add(time.Second)) || w.Time.Before(last) {
			t.Fatalf("message time %v (flow start %v, previous %v)", w.Time, f.Start, last)
		}
		last = w.Time
		if w.Opcode == wsClose {
			continue
		}
		got = append(got, m{w.FromApp, w.Opcode, string(w.Data)})
		if w.Size != int64(len(w.Data)) || w.Truncate {
			t.Fatalf("message size %d, %d bytes kept, truncated %v", w.Size, len(w.Data), w.Truncate)
		}
	}
	want := []m{{true, 1, "hello"}, {false, 1, "echo:hello"}, {true, 1, "世界"}, {false, 1, "echo:世界"},
		{true, 1, big}, {false, 1, "echo:" + big}, {true, 2, "\x00\x01\x02\xff"}, {false, 2, "\xff\x02\x01\x00"}}
	if len(got) != len(want) {
		t.Fatalf("recorded %d messages, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i] != w {
			t.Fatalf("message %d: app %v op %d %d bytes; want app %v op %d %d bytes", i, got[i].app, got[i].op, len(got[i].data), w.app, w.op, len(w.data))
		}
	}
	if f.BytesUp < 70000 || f.BytesDown < 70000 {
		t.Fatalf("bytes up %d down %d", f.BytesUp, f.BytesDown)
	}
}

// TestPlainWebSocketEndedByClose: Proxy.Close ends an open ws:// relay at
// once and records it with the messages seen so far.
func TestPlainWebSocketEndedByClose(t *testing.T) {
	plain := wsEchoServer(t)
	r := newRig(t, http.NotFoundHandler(), false, func(c *Config) {
		c.ConnectTo["chat.example.net"] = plain
	})
	ws, conn := dialPlainWS(t, r, "chat.example.net")
	if err := websocket.Message.Send(ws, "ping-1"); err != nil {
		t.Fatal(err)
	}
	var back string
	if err := websocket.Message.Receive(ws, &back); err != nil || back != "echo:ping-1" {
		t.Fatalf("echo %q (%v)", back, err)
	}
	done := make(chan struct{})
	start := time.Now()
	go func() {
		r.proxy.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Proxy.Close did not return within 5 s with a ws:// relay open")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Proxy.Close took %v", d)
	}
	// the client's connection is closed by the proxy
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if err := websocket.Message.Receive(ws, &back); err == nil {
		t.Fatalf("read %q after Close", back)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("client connection still open after Proxy.Close")
	}
	fl := r.rec.snapshot()
	if len(fl) != 1 {
		t.Fatalf("%d flows recorded by Close", len(fl))
	}
	f := fl[0]
	if f.Scheme != "ws" || len(f.WebSocket) < 2 || string(f.WebSocket[0].Data) != "ping-1" || string(f.WebSocket[1].Data) != "echo:ping-1" {
		t.Fatalf("flow scheme %q, %d messages", f.Scheme, len(f.WebSocket))
	}
	if !strings.Contains(f.Error, "proxy closed") {
		t.Fatalf("flow ended by Close has error %q", f.Error)
	}
}

// TestPlainWebSocketDeclined: a server that answers the ws:// upgrade with
// an ordinary response is forwarded and recorded as plain HTTP.
func TestPlainWebSocketDeclined(t *testing.T) {
	plain := newPlainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Upgrade-Seen", r.Header.Get("Upgrade"))
		http.Error(w, "no websockets here", http.StatusForbidden)
	}))
	r := newRig(t, http.NotFoundHandler(), false, func(c *Config) {
		c.ConnectTo["chat.example.net"] = plain
	})
	c, err := net.DialTimeout("tcp", r.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg, _ := websocket.NewConfig("ws://chat.example.net/ws", "http://chat.example.net")
	cfg.Location = &url.URL{Scheme: "http", Opaque: "//chat.example.net/ws", Host: "chat.example.net"}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := websocket.NewClient(cfg, c); err == nil {
		t.Fatal("handshake succeeded against a server that declined")
	}
	f := r.rec.wait(t, 1)[0]
	seen := headerValues(f.RespHeaders, "X-Upgrade-Seen")
	if f.Scheme != "http" || f.Status != http.StatusForbidden || len(f.WebSocket) != 0 ||
		!strings.Contains(string(f.RespBody.Raw), "no websockets here") || len(seen) != 1 || seen[0] != "websocket" {
		t.Fatalf("declined flow: scheme %q status %d body %q", f.Scheme, f.Status, f.RespBody.Raw)
	}
}

//go:build deps

// Package deps pins the project's chosen third-party modules so that
// `go mod tidy` keeps them and `make warm` can pre-build them.
package deps

import (
	_ "github.com/andybalholm/brotli"
	_ "github.com/csnewman/dextk"
	_ "github.com/elazarl/goproxy"
	_ "github.com/gopacket/gopacket/layers"
	_ "github.com/gopacket/gopacket/pcapgo"
	_ "github.com/gopacket/gopacket/reassembly"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/mdp/qrterminal/v3"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/oschwald/maxminddb-golang/v2"
	_ "github.com/petar-dambovaliev/aho-corasick"
	_ "github.com/phuslu/iploc"
	_ "github.com/shogo82148/androidbinary/apk"
	_ "github.com/sirupsen/logrus"
	_ "github.com/smallstep/pkcs7"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/net/http2"
	_ "golang.org/x/term"
	_ "gopkg.in/yaml.v3"
	_ "howett.net/plist"
	_ "modernc.org/sqlite"
)

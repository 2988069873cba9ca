module github.com/ceping/ceping

go 1.26.8

require (
	github.com/andybalholm/brotli v1.2.0
	github.com/csnewman/dextk v0.3.0
	github.com/elazarl/goproxy v1.7.2
	github.com/gopacket/gopacket v1.3.1
	github.com/klauspost/compress v1.18.0
	github.com/mdp/qrterminal/v3 v3.2.1
	github.com/olekukonko/tablewriter v1.0.9
	github.com/oschwald/maxminddb-golang/v2 v2.0.0
	github.com/petar-dambovaliev/aho-corasick v0.0.0-20250424160509-463d218d4745
	github.com/phuslu/iploc v1.0.20260915
	github.com/shogo82148/androidbinary v1.0.6
	github.com/sirupsen/logrus v1.9.3
	github.com/smallstep/pkcs7 v0.2.1
	github.com/spf13/cobra v1.9.1
	golang.org/x/net v0.35.0
	golang.org/x/term v0.30.0
	gopkg.in/yaml.v3 v3.0.1
	howett.net/plist v1.0.1
	modernc.org/sqlite v1.38.2
)

require (
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/fatih/color v1.15.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/mattn/go-runewidth v0.0.16 // indirect
	github.com/ncruces/go-strftime v0.1.9 // indirect
	github.com/olekukonko/errors v1.1.0 // indirect
	github.com/olekukonko/ll v0.0.9 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	github.com/rivo/uniseg v0.2.0 // indirect
	github.com/spf13/pflag v1.0.6 // indirect
	golang.org/x/crypto v0.33.0 // indirect
	golang.org/x/exp v0.0.0-20250620022241-b7579e27df2b // indirect
	golang.org/x/sys v0.37.0 // indirect
	golang.org/x/text v0.22.0
	modernc.org/libc v1.66.3 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.11.0 // indirect
	rsc.io/qr v0.2.0 // indirect
)

package apk

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"

	"github.com/ceping/ceping/evidence"
)

// leakyEntry returns one entry of the fixture APK (fuzz seeds).
func leakyEntry(f *testing.F, name string) []byte {
	zr, err := zip.OpenReader(leakyPath())
	if err != nil {
		f.Fatal(err)
	}
	defer zr.Close()
	for _, e := range zr.File {
		if e.Name == name {
			rc, _ := e.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return b
		}
	}
	f.Fatalf("no %s in the fixture", name)
	return nil
}

func FuzzManifest(f *testing.F) {
	f.Add(leakyEntry(f, "AndroidManifest.xml"))
	f.Add(leakyEntry(f, "res/xml/network_security_config.xml"))
	f.Add([]byte{0x03, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00, 0x00})
	tb, _ := decodeTable(leakyEntry(f, "resources.arsc"), "resources.arsc")
	f.Fuzz(func(t *testing.T, b []byte) {
		root, err := decodeXML(b, "AndroidManifest.xml")
		if err != nil {
			return
		}
		app := newApp("fuzz.apk")
		if _, ref, err := manifestFacts(app, root, tb); err == nil && ref != "" {
			tb.resolve(ref)
		}
		networkSecurity(root, "x.xml", app.TargetSDK)
	})
}

func FuzzResourceTable(f *testing.F) {
	f.Add(leakyEntry(f, "resources.arsc"))
	f.Add([]byte{0x02, 0x00, 0x0c, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := decodeTable(b, "resources.arsc")
		if err != nil {
			return
		}
		for _, id := range []string{"@0x7F030000", "@0x7F020000", "@0x7F010000", "@0x01010000"} {
			tb.resolve(id)
		}
	})
}

func FuzzDex(f *testing.F) {
	f.Add(leakyEntry(f, "classes.dex"))
	f.Add(leakyEntry(f, "classes2.dex"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := openDex("classes.dex", b)
		if err != nil {
			return
		}
		x, err := d.index()
		if err != nil {
			return
		}
		c := newCollector(newApp("fuzz.apk"))
		d.walk(x, func(string) {}, func(class, method string, hits []hit) {
			c.methodHits("classes.dex", class, method, hits)
		})
		_ = evidence.DexFile(d.summary())
	})
}

// FuzzAPK feeds whole archives (zip structure, signing block, entries).
func FuzzAPK(f *testing.F) {
	b, err := readAll(leakyPath())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		AnalyzeReader(bytes.NewReader(b), int64(len(b)), "fuzz.apk", Options{MaxTotalSize: 64 << 20})
	})
}

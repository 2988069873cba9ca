package apk

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shogo82148/androidbinary"
)

const androidNS = "http://schemas.android.com/apk/res/android"

// node is one element of a decoded binary XML document.
type node struct {
	text     string
	Name     string
	Attrs    []xml.Attr
	Children []*node
}

// attr returns an android: attribute (or an un-namespaced one when ns is "").
func (n *node) attr(ns, local string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == local && a.Name.Space == ns {
			return a.Value, true
		}
	}
	return "", false
}

func (n *node) android(local string) (string, bool) { return n.attr(androidNS, local) }

func (n *node) each(name string, fn func(*node)) {
	for _, c := range n.Children {
		if c.Name == name {
			fn(c)
		}
	}
}

// maxDepth bounds element nesting of decoded XML.
const maxDepth = 256

// decodeXML checks and decodes a binary XML file (AndroidManifest.xml,
// res/xml/*.xml) into a tree. part names the input in errors.
func decodeXML(b []byte, part string) (root *node, err error) {
	c, err := check(b, chunkXML)
	if err != nil {
		return nil, fmt.Errorf("%s: binary XML: %w", part, err)
	}
	// checkChunks bounds every field androidbinary trusts; this recover is a
	// last resort that keeps an unforeseen library panic an error.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("%s: binary XML: androidbinary failed: %v", part, r)
		}
	}()
	f, err := androidbinary.NewXMLFile(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: binary XML: %w", part, err)
	}
	return parseTextXML(f.Reader(), part, c.texts)
}

// parseTextXML builds the tree from textual XML (androidbinary's rendering,
// or a plain XML file).
func parseTextXML(r io.Reader, part string, texts map[int]string) (*node, error) {
	ordinal := 0
	d := xml.NewDecoder(r)
	d.Strict = false
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			return nil, fmt.Errorf("%s: XML (line %d): %w", part, line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("%s: XML nested deeper than %d elements", part, maxDepth)
			}
			n := &node{Name: t.Name.Local, Attrs: t.Attr, text: texts[ordinal]}
			ordinal++
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.CharData:
			if texts == nil && len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%s: XML has no root element", part)
	}
	return root, nil
}

// table wraps resources.arsc.
type table struct {
	t       *androidbinary.TableFile
	strings []string // the global string pool
}

func decodeTable(b []byte, part string) (tb *table, err error) {
	strs, err := checkChunks(b, chunkTable)
	if err != nil {
		return nil, fmt.Errorf("%s: resource table: %w", part, err)
	}
	defer func() {
		if r := recover(); r != nil {
			tb, err = nil, fmt.Errorf("%s: resource table: androidbinary failed: %v", part, r)
		}
	}()
	t, err := androidbinary.NewTableFile(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: resource table: %w", part, err)
	}
	return &table{t: t, strings: strs}, nil
}

// resolve turns an "@0x7f…" reference into its value (following up to 8
// references); other values pass unchanged. The default configuration wins.
func (tb *table) resolve(v string) string {
	for i := 0; i < 8 && androidbinary.IsResID(v); i++ {
		if tb == nil {
			return v
		}
		id, err := androidbinary.ParseResID(v)
		if err != nil {
			return v
		}
		r, err := tb.get(id)
		if err != nil || r == nil {
			return v
		}
		switch x := r.(type) {
		case string:
			v = x
		case bool:
			v = strconv.FormatBool(x)
		case uint32:
			// GetResource does not tell a reference from an integer:
			// the raw number is the value.
			v = strconv.FormatUint(uint64(x), 10)
		default:
			return v
		}
	}
	return v
}

func (tb *table) get(id androidbinary.ResID) (r any, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("resource %v: %v", id, p)
		}
	}()
	r, err = tb.t.GetResource(id, &androidbinary.ResTableConfig{})
	if err != nil {
		// No default-configuration value: take the most specific one.
		r, err = tb.t.GetResource(id, nil)
	}
	return r, err
}

// boolValue reads a boolean attribute: "true"/"false", or a reference to a
// bool resource.
func boolValue(tb *table, v string) (bool, bool) {
	v = strings.TrimSpace(tb.resolve(v))
	switch strings.ToLower(v) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

func intValue(tb *table, v string) (int64, bool) {
	v = strings.TrimSpace(tb.resolve(v))
	if strings.HasPrefix(v, "0x") || strings.HasPrefix(v, "0X") {
		n, err := strconv.ParseInt(v[2:], 16, 64)
		return n, err == nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

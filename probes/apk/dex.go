package apk

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/csnewman/dextk"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/kb"
)

// dexFile is one parsed classesN.dex: the header tables (checked against
// the file size) and the decoded string table.
type dexFile struct {
	name string
	b    []byte
	r    *dextk.Reader

	stringIDsOff, typeIDsOff, fieldIDsOff, methodIDsOff, classDefsOff uint32

	strs []string
}

// openDex validates the header with dextk and checks that every id table
// lies inside the file, so later reads cannot run off it.
func openDex(name string, b []byte) (*dexFile, error) {
	r, err := dextk.Read(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	if r.ReverseEndian {
		return nil, fmt.Errorf("%s: header: big-endian dex (endian_tag 0x78563412) is not supported", name)
	}
	d := &dexFile{name: name, b: b, r: r}
	d.stringIDsOff = le32(b, 60)
	d.typeIDsOff = le32(b, 68)
	d.fieldIDsOff = le32(b, 84)
	d.methodIDsOff = le32(b, 92)
	d.classDefsOff = le32(b, 100)
	n := uint64(len(b))
	for _, t := range []struct {
		what      string
		off, cnt  uint32
		entrySize uint64
	}{
		{"string_ids", d.stringIDsOff, r.StringIDCount, 4},
		{"type_ids", d.typeIDsOff, r.TypeIDCount, 4},
		{"proto_ids", le32(b, 76), r.ProtoIDCount, 12},
		{"field_ids", d.fieldIDsOff, r.FieldIDCount, 8},
		{"method_ids", d.methodIDsOff, r.MethodIDCount, 8},
		{"class_defs", d.classDefsOff, r.ClassDefCount, 32},
	} {
		if t.cnt > 0 && uint64(t.off)+uint64(t.cnt)*t.entrySize > n {
			return nil, fmt.Errorf("%s: header: %s (%d entries at offset %d) runs past the end of the file (%d bytes)", name, t.what, t.cnt, t.off, n)
		}
	}
	d.strs = make([]string, r.StringIDCount)
	for i := range d.strs {
		s, err := d.decodeString(uint32(i))
		if err != nil {
			return nil, err
		}
		d.strs[i] = s
	}
	return d, nil
}

// decodeString decodes string i (MUTF-8) within the file's bounds.
func (d *dexFile) decodeString(i uint32) (string, error) {
	off := uint64(le32(d.b, int(d.stringIDsOff+4*i)))
	if off >= uint64(len(d.b)) {
		return "", fmt.Errorf("%s: string %d: data offset %d outside the file", d.name, i, off)
	}
	units, n, ok := uleb(d.b, int(off))
	if !ok {
		return "", fmt.Errorf("%s: string %d at offset %d: bad length", d.name, i, off)
	}
	start := int(off) + n
	end := bytes.IndexByte(d.b[start:], 0)
	if end < 0 {
		return "", fmt.Errorf("%s: string %d at offset %d: no terminating NUL", d.name, i, off)
	}
	raw := d.b[start : start+end]
	ascii := true
	for _, c := range raw {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(raw), nil
	}
	if int(units) > len(raw) {
		units = uint32(len(raw))
	}
	s, err := dextk.MUTF8Decode(raw, int(units))
	if err != nil {
		return "", fmt.Errorf("%s: string %d at offset %d: %w", d.name, i, off, err)
	}
	return s.Parsed, nil
}

func (d *dexFile) str(i uint32) string {
	if int(i) < len(d.strs) {
		return d.strs[i]
	}
	return ""
}

func (d *dexFile) typeName(i uint32) string {
	t, err := d.r.ReadType(i)
	if err != nil {
		return ""
	}
	return d.str(t.DescriptorStringID)
}

// uleb reads an unsigned LEB128 at p: value, bytes used, ok.
func uleb(b []byte, p int) (uint32, int, bool) {
	var v uint32
	for i := 0; i < 5; i++ {
		if p+i >= len(b) || p+i < 0 {
			return 0, 0, false
		}
		c := b[p+i]
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, i + 1, true
		}
	}
	return 0, 0, false
}

// hit is one sensitive reference inside a method.
type hit struct {
	api  *kb.API
	kind string
}

// dexIndex holds, per id, the kb entry a method, field or string matches.
type dexIndex struct {
	methods []*kb.API
	fields  []*kb.API
	strs    []*kb.API
}

func (d *dexFile) index() (*dexIndex, error) {
	x := &dexIndex{
		methods: make([]*kb.API, d.r.MethodIDCount),
		fields:  make([]*kb.API, d.r.FieldIDCount),
		strs:    make([]*kb.API, len(d.strs)),
	}
	for i := range x.methods {
		m, err := d.r.ReadMethod(uint32(i))
		if err != nil {
			return nil, fmt.Errorf("%s: method_id %d: %w", d.name, i, err)
		}
		cls := d.typeName(uint32(m.ClassTypeID))
		if !strings.HasPrefix(cls, "L") {
			continue
		}
		if a, ok := kb.LookupInvoke(cls, d.str(m.NameStringID)); ok {
			x.methods[i] = &a
		}
	}
	for i := range x.fields {
		f, err := d.r.ReadField(uint32(i))
		if err != nil {
			return nil, fmt.Errorf("%s: field_id %d: %w", d.name, i, err)
		}
		if a, ok := kb.LookupField(d.typeName(uint32(f.ClassTypeID)), d.str(f.NameStringID)); ok {
			x.fields[i] = &a
		}
	}
	for i, s := range d.strs {
		x.strs[i] = matchStringSig(s)
	}
	return x, nil
}

var stringSigs = func() map[string]*kb.API {
	m := map[string]*kb.API{}
	for _, a := range kb.StringSignatures() {
		a := a
		m[a.Name] = &a
	}
	return m
}()

// matchStringSig matches a string constant against kb's string signatures:
// equal, or a content URI under one ("content://contacts/people").
func matchStringSig(s string) *kb.API {
	if a := stringSigs[s]; a != nil {
		return a
	}
	if !strings.HasPrefix(s, "content://") {
		return nil
	}
	var best *kb.API
	for name, a := range stringSigs {
		if len(s) > len(name) && strings.HasPrefix(s, name) && (s[len(name)] == '/' || s[len(name)] == '?') {
			if best == nil || len(name) > len(best.Name) {
				best = a
			}
		}
	}
	return best
}

// walk calls fn for every method with code: its class descriptor, method
// name and the sensitive references in its code. Malformed methods become
// warnings; a malformed class table is an error.
func (d *dexFile) walk(x *dexIndex, warn func(string), fn func(class, method string, hits []hit)) error {
	var ops []uint16
	var hits []hit
	for ci := uint32(0); ci < d.r.ClassDefCount; ci++ {
		cd, err := d.r.ReadClassDef(ci)
		if err != nil {
			return fmt.Errorf("%s: class_def %d: %w", d.name, ci, err)
		}
		if cd.ClassDataOff == 0 {
			continue
		}
		class := d.typeName(cd.ClassTypeID)
		p := int(cd.ClassDataOff)
		var counts [4]uint32
		for k := range counts {
			v, n, ok := uleb(d.b, p)
			if !ok {
				return fmt.Errorf("%s: class %s: class_data at offset %d is malformed", d.name, class, cd.ClassDataOff)
			}
			counts[k], p = v, p+n
		}
		// Fields: two ulebs each.
		for k := uint64(0); k < 2*(uint64(counts[0])+uint64(counts[1])); k++ {
			_, n, ok := uleb(d.b, p)
			if !ok {
				return fmt.Errorf("%s: class %s: class_data fields run past the file", d.name, class)
			}
			p += n
		}
		for list := 2; list < 4; list++ {
			var midx uint32
			for k := uint32(0); k < counts[list]; k++ {
				var v [3]uint32
				for j := range v {
					x, n, ok := uleb(d.b, p)
					if !ok {
						return fmt.Errorf("%s: class %s: class_data methods run past the file", d.name, class)
					}
					v[j], p = x, p+n
				}
				midx += v[0]
				if v[2] == 0 {
					continue
				}
				ops, err = d.code(v[2], ops[:0])
				if err != nil {
					warn(fmt.Sprintf("%s: class %s: %v", d.name, class, err))
					continue
				}
				hits = scanOps(ops, x, hits[:0])
				if len(hits) > 0 {
					name := ""
					if m, err := d.r.ReadMethod(midx); err == nil {
						name = d.str(m.NameStringID)
					}
					fn(class, name, hits)
				}
			}
		}
	}
	return nil
}

// code returns the instructions of the code_item at off.
func (d *dexFile) code(off uint32, buf []uint16) ([]uint16, error) {
	o := uint64(off)
	if o+16 > uint64(len(d.b)) {
		return nil, fmt.Errorf("code_item at offset %d outside the file", off)
	}
	n := uint64(le32(d.b, int(o+12)))
	if o+16+2*n > uint64(len(d.b)) {
		return nil, fmt.Errorf("code_item at offset %d: %d instruction units run past the file", off, n)
	}
	raw := d.b[o+16 : o+16+2*n]
	for i := uint64(0); i < n; i++ {
		buf = append(buf, binary.LittleEndian.Uint16(raw[2*i:]))
	}
	return buf, nil
}

// scanOps steps through instructions (sizes from dextk's opcode table) and
// collects invoke-*, sget-* and const-string references that kb knows.
func scanOps(ops []uint16, x *dexIndex, hits []hit) []hit {
	or := dextk.NewOpReader(ops)
	for or.HasMore() {
		pos := or.Pos()
		code, err := or.PeekCode()
		if err != nil {
			return hits
		}
		if code >= 0 && pos+1 < len(ops) {
			idx := uint32(ops[pos+1])
			switch op := int(code); {
			case op == 0x1a: // const-string
				if int(idx) < len(x.strs) && x.strs[idx] != nil {
					hits = append(hits, hit{x.strs[idx], "string"})
				}
			case op == 0x1b: // const-string/jumbo
				if pos+2 < len(ops) {
					idx |= uint32(ops[pos+2]) << 16
					if int(idx) < len(x.strs) && x.strs[idx] != nil {
						hits = append(hits, hit{x.strs[idx], "string"})
					}
				}
			case op >= 0x60 && op <= 0x66: // sget*
				if int(idx) < len(x.fields) && x.fields[idx] != nil {
					hits = append(hits, hit{x.fields[idx], "field"})
				}
			case op >= 0x6e && op <= 0x72, op >= 0x74 && op <= 0x78, op == 0xfa, op == 0xfb: // invoke-*
				if int(idx) < len(x.methods) && x.methods[idx] != nil {
					hits = append(hits, hit{x.methods[idx], "invoke"})
				}
			}
		}
		size, err := code.Size(or)
		if err != nil || size <= 0 {
			return hits
		}
		or.Seek(pos + size)
	}
	return hits
}

// apiName renders a kb API as "android/telephony/TelephonyManager.getDeviceId".
func apiName(a *kb.API) string {
	if a.Kind == "string" {
		return a.Name
	}
	c := strings.TrimSuffix(strings.TrimPrefix(a.Class, "L"), ";")
	return c + "." + a.Name
}

// dotted turns "Lcom/a/B;" into "com.a.B".
func dotted(desc string) string {
	return strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(desc, "L"), ";"), "/", ".")
}

// dexSummary is evidence's per-dex summary.
func (d *dexFile) summary() evidence.DexFile {
	return evidence.DexFile{Name: d.name, Classes: int(d.r.ClassDefCount), MethodRefs: int(d.r.MethodIDCount), Strings: int(d.r.StringIDCount)}
}

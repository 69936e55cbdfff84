package htmlreport_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// node is an element of the rendered report, parsed with encoding/xml in
// strict mode: the report is written as well-formed markup (void elements
// self-closed, attributes quoted, script wrapped in CDATA) so that a strict
// XML parser reads it, which is itself part of what the tests check.
type node struct {
	Name     string
	Attr     map[string]string
	Children []*node
	Parent   *node
	// text holds character data in document order, interleaved with
	// children as nil entries in parts.
	parts []any
}

func parseHTML(data []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	root := &node{Name: "#document"}
	cur := root
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, col := dec.InputPos()
			return nil, fmt.Errorf("line %d col %d: %w", line, col, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{Name: t.Name.Local, Attr: map[string]string{}, Parent: cur}
			for _, a := range t.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			cur.Children = append(cur.Children, n)
			cur.parts = append(cur.parts, n)
			cur = n
		case xml.EndElement:
			if cur.Name != t.Name.Local {
				return nil, fmt.Errorf("end tag %s closes %s", t.Name.Local, cur.Name)
			}
			cur = cur.Parent
		case xml.CharData:
			cur.parts = append(cur.parts, string(t))
		}
	}
	if cur != root {
		return nil, fmt.Errorf("element %s not closed", cur.Name)
	}
	return root, nil
}

// Text returns the element's text content.
func (n *node) Text() string {
	var b strings.Builder
	var walk func(*node)
	walk = func(n *node) {
		for _, p := range n.parts {
			switch p := p.(type) {
			case string:
				b.WriteString(p)
			case *node:
				walk(p)
			}
		}
	}
	walk(n)
	return b.String()
}

// norm is the text with runs of white space collapsed.
func (n *node) norm() string { return strings.Join(strings.Fields(n.Text()), " ") }

func (n *node) hasClass(c string) bool {
	return n != nil && n.Attr != nil && contains(strings.Fields(n.Attr["class"]), c)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// all returns the descendants (not n itself) matching pred, in document
// order.
func (n *node) all(pred func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(n *node) {
		for _, c := range n.Children {
			if pred(c) {
				out = append(out, c)
			}
			walk(c)
		}
	}
	walk(n)
	return out
}

// sel matches elements by name and, optionally, class: "tag", "tag.class",
// ".class".
func sel(s string) func(*node) bool {
	tag, class, _ := strings.Cut(s, ".")
	return func(n *node) bool {
		return (tag == "" || n.Name == tag) && (class == "" || n.hasClass(class))
	}
}

func (n *node) find(s string) []*node { return n.all(sel(s)) }

// first returns the first match, or nil.
func (n *node) first(s string) *node {
	if l := n.find(s); len(l) > 0 {
		return l[0]
	}
	return nil
}

func (n *node) byID(id string) *node {
	l := n.all(func(c *node) bool { return c.Attr["id"] == id })
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// ancestor returns the nearest enclosing element with the given name.
func (n *node) ancestor(name string) *node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Name == name {
			return p
		}
	}
	return nil
}

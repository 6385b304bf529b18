//! A structural checker for the subset of XML Schema that `junit-10.xsd` is written in,
//! driven by the XSD file itself: global elements (`xs:string` or complex), named and
//! inline complex types, `mixed`, attributes with `use="required"` and simple types with an
//! `xs:pattern`, and content models made of `xs:sequence` / `xs:choice` with `minOccurs` /
//! `maxOccurs` over element refs and local elements. Children are counted per name against
//! their bounds (an unbounded repeated choice, as in junit-10, places no order).
//!
//! (The pure-Rust XSD validator on crates.io, `xmlschema` 0.0.11, reports "repeated
//! xs:choice" and "@mixed" as unsupported, which is the heart of this schema.)
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

#[derive(Debug, Clone, Default)]
struct Type {
    /// Text allowed beside child elements.
    mixed: bool,
    /// Text only (xs:string), no child elements, no attributes.
    simple_text: bool,
    /// name -> (required, simple type name)
    attrs: BTreeMap<String, (bool, String)>,
    /// child name -> (min, max) where max None = unbounded
    children: BTreeMap<String, (u32, Option<u32>)>,
}

#[derive(Debug, Default)]
pub struct Schema {
    elements: BTreeMap<String, Type>,
    patterns: BTreeMap<String, regex::Regex>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name).into_owned();
    s.rsplit(':').next().unwrap_or(&s).to_string()
}

fn occurs(e: &BytesStart<'_>) -> (u32, Option<u32>) {
    let min = attr(e, "minOccurs")
        .map(|v| v.parse().unwrap())
        .unwrap_or(1);
    let max = match attr(e, "maxOccurs").as_deref() {
        Some("unbounded") => None,
        Some(v) => Some(v.parse().unwrap()),
        None => Some(1),
    };
    (min, max)
}

fn mul(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x * y),
        _ => None,
    }
}

impl Schema {
    pub fn parse(xsd: &str) -> Schema {
        let mut reader = Reader::from_str(xsd);
        reader.config_mut().trim_text(true);
        let mut schema = Schema::default();
        let mut named_types: BTreeMap<String, Type> = BTreeMap::new();
        let mut element_types: BTreeMap<String, String> = BTreeMap::new();
        // Stack of open XSD constructs.
        #[derive(Debug)]
        enum Frame {
            GlobalElement(String),
            Type(Option<String>, Type),
            Group {
                min: u32,
                max: Option<u32>,
                choice: bool,
            },
            SimpleType(String),
            Other,
        }
        let mut stack: Vec<Frame> = Vec::new();
        let mut buf = Vec::new();
        loop {
            let ev = reader.read_event_into(&mut buf).unwrap();
            let (e, empty) = match &ev {
                Event::Start(e) => (e.clone().into_owned(), false),
                Event::Empty(e) => (e.clone().into_owned(), true),
                Event::End(_) => {
                    if let Some(Frame::Type(name, t)) = stack.pop() {
                        match (name, stack.last()) {
                            (Some(n), _) => {
                                named_types.insert(n, t);
                            }
                            (None, Some(Frame::GlobalElement(el))) => {
                                schema.elements.insert(el.clone(), t);
                            }
                            _ => panic!("inline complexType outside a global element"),
                        }
                    }
                    buf.clear();
                    continue;
                }
                Event::Eof => break,
                _ => {
                    buf.clear();
                    continue;
                }
            };
            let tag = local(e.name().as_ref());
            let frame = match tag.as_str() {
                "schema" | "annotation" | "documentation" => Frame::Other,
                "element" if !stack.iter().any(|f| matches!(f, Frame::Type(..))) => {
                    let name = attr(&e, "name").unwrap();
                    if let Some(t) = attr(&e, "type") {
                        element_types.insert(name.clone(), t);
                    }
                    Frame::GlobalElement(name)
                }
                "element" => {
                    // A particle: ref to a global element, or a local element of a type.
                    let name = attr(&e, "ref").or_else(|| attr(&e, "name")).unwrap();
                    let (mut min, mut max) = occurs(&e);
                    for f in stack.iter() {
                        if let Frame::Group {
                            min: gmin,
                            max: gmax,
                            choice,
                        } = f
                        {
                            if *choice {
                                min = 0; // a choice may pick another branch
                            } else {
                                min *= gmin;
                            }
                            max = mul(max, *gmax);
                        }
                    }
                    if let Some(Frame::Type(_, t)) = stack
                        .iter_mut()
                        .rev()
                        .find(|f| matches!(f, Frame::Type(..)))
                    {
                        t.children.insert(name.clone(), (min, max));
                    }
                    if let (Some(n), Some(ty)) = (attr(&e, "name"), attr(&e, "type")) {
                        element_types.insert(n, ty);
                    }
                    Frame::Other
                }
                "complexType" => {
                    let t = Type {
                        mixed: attr(&e, "mixed").as_deref() == Some("true"),
                        ..Type::default()
                    };
                    Frame::Type(attr(&e, "name"), t)
                }
                "sequence" | "choice" => {
                    let (min, max) = occurs(&e);
                    Frame::Group {
                        min,
                        max,
                        choice: tag == "choice",
                    }
                }
                "attribute" => {
                    let name = attr(&e, "name").unwrap();
                    let required = attr(&e, "use").as_deref() == Some("required");
                    let ty = attr(&e, "type").unwrap_or_else(|| "xs:string".into());
                    if let Some(Frame::Type(_, t)) = stack
                        .iter_mut()
                        .rev()
                        .find(|f| matches!(f, Frame::Type(..)))
                    {
                        t.attrs.insert(name, (required, ty));
                    }
                    Frame::Other
                }
                "simpleType" => Frame::SimpleType(attr(&e, "name").unwrap()),
                "restriction" => Frame::Other,
                "pattern" => {
                    let Some(Frame::SimpleType(name)) = stack
                        .iter()
                        .rev()
                        .find(|f| matches!(f, Frame::SimpleType(_)))
                    else {
                        panic!("pattern outside simpleType")
                    };
                    let p = attr(&e, "value").unwrap();
                    schema.patterns.insert(
                        name.clone(),
                        regex::Regex::new(&format!("^(?:{p})$")).unwrap(),
                    );
                    Frame::Other
                }
                other => panic!("XSD construct <xs:{other}> is not handled by this checker"),
            };
            if !empty {
                stack.push(frame);
            } else if let Frame::Type(name, t) = frame {
                match (name, stack.last()) {
                    (Some(n), _) => {
                        named_types.insert(n, t);
                    }
                    (None, Some(Frame::GlobalElement(el))) => {
                        schema.elements.insert(el.clone(), t);
                    }
                    _ => {}
                }
            }
            buf.clear();
        }
        for (el, ty) in element_types {
            let t = if ty == "xs:string" {
                Type {
                    simple_text: true,
                    ..Type::default()
                }
            } else {
                named_types
                    .get(&ty)
                    .cloned()
                    .unwrap_or_else(|| panic!("unknown type {ty}"))
            };
            schema.elements.insert(el, t);
        }
        schema
    }

    /// Every violation of the document against the schema, with a path.
    pub fn check(&self, xml: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut reader = Reader::from_str(xml);
        // path, type name, counts of children, saw text
        let mut stack: Vec<(String, String, BTreeMap<String, u32>, bool)> = Vec::new();
        let mut buf = Vec::new();
        let mut roots = 0;
        loop {
            let ev = match reader.read_event_into(&mut buf) {
                Ok(ev) => ev,
                Err(e) => {
                    out.push(format!("not well-formed: {e}"));
                    break;
                }
            };
            match ev {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(ev, Event::Empty(_));
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let path = match stack.last() {
                        Some((p, ..)) => format!("{p}/{name}"),
                        None => format!("/{name}"),
                    };
                    if let Some((ppath, pname, counts, _)) = stack.last_mut() {
                        *counts.entry(name.clone()).or_default() += 1;
                        if let Some(pt) = self.elements.get(pname.as_str()) {
                            if pt.simple_text {
                                out.push(format!(
                                    "{ppath}: <{pname}> holds text only, found <{name}>"
                                ));
                            } else if !pt.children.contains_key(&name) {
                                out.push(format!("{ppath}: <{name}> is not allowed in <{pname}>"));
                            }
                        }
                    } else {
                        roots += 1;
                    }
                    match self.elements.get(&name) {
                        None => out.push(format!("{path}: element <{name}> is not declared")),
                        Some(t) => {
                            let mut seen = BTreeSet::new();
                            for a in e.attributes() {
                                let a = match a {
                                    Ok(a) => a,
                                    Err(err) => {
                                        out.push(format!("{path}: bad attribute: {err}"));
                                        continue;
                                    }
                                };
                                let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                                let value = a
                                    .unescape_value()
                                    .map(|v| v.into_owned())
                                    .unwrap_or_default();
                                match t.attrs.get(&key) {
                                    None => out.push(format!(
                                        "{path}: attribute `{key}` is not allowed on <{name}>"
                                    )),
                                    Some((_, ty)) => {
                                        if let Some(re) = self.patterns.get(ty)
                                            && !re.is_match(&value)
                                        {
                                            out.push(format!(
                                                "{path}/@{key}: `{value}` does not match {ty}"
                                            ));
                                        }
                                    }
                                }
                                seen.insert(key);
                            }
                            for (a, (required, _)) in &t.attrs {
                                if *required && !seen.contains(a) {
                                    out.push(format!("{path}: required attribute `{a}` missing"));
                                }
                            }
                        }
                    }
                    if empty {
                        self.close(&path, &name, &BTreeMap::new(), &mut out);
                    } else {
                        stack.push((path, name, BTreeMap::new(), false));
                    }
                }
                Event::End(_) => {
                    if let Some((path, name, counts, _)) = stack.pop() {
                        self.close(&path, &name, &counts, &mut out);
                    }
                }
                Event::Text(ref t) => {
                    let raw = String::from_utf8_lossy(t.as_ref()).into_owned();
                    self.text(&stack, !raw.trim().is_empty(), &mut out);
                }
                Event::CData(_) | Event::GeneralRef(_) => self.text(&stack, true, &mut out),
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        if roots != 1 {
            out.push(format!("the document has {roots} root elements"));
        }
        out
    }

    fn text(
        &self,
        stack: &[(String, String, BTreeMap<String, u32>, bool)],
        non_blank: bool,
        out: &mut Vec<String>,
    ) {
        if !non_blank {
            return;
        }
        if let Some((path, name, ..)) = stack.last()
            && let Some(t) = self.elements.get(name)
            && !t.mixed
            && !t.simple_text
        {
            out.push(format!("{path}: <{name}> may not hold text"));
        }
    }

    fn close(&self, path: &str, name: &str, counts: &BTreeMap<String, u32>, out: &mut Vec<String>) {
        let Some(t) = self.elements.get(name) else {
            return;
        };
        for (child, (min, max)) in &t.children {
            let n = counts.get(child).copied().unwrap_or(0);
            if n < *min {
                out.push(format!("{path}: <{child}> at least {min} times, found {n}"));
            }
            if let Some(max) = max
                && n > *max
            {
                out.push(format!("{path}: <{child}> at most {max} times, found {n}"));
            }
        }
    }
}

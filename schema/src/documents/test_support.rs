//! Test helpers: documents as the JS Automerge library writes them.

use automerge::{
    AutoCommit, ObjId, ObjType, Prop, ROOT, ReadDoc, ScalarValue, Value, transaction::Transactable,
};

/// A copy of `source` in which every scalar string has become a Text object, as JS Automerge v3 writes
/// strings by default.
pub fn as_javascript_writes_it(source: &AutoCommit) -> AutoCommit {
    let mut target = AutoCommit::new();
    copy_children(source, &ROOT, ObjType::Map, &mut target, &ROOT);
    target
}

/// How many scalar strings the document holds anywhere (0 once converted).
pub fn scalar_strings(doc: &AutoCommit) -> usize {
    fn count(doc: &AutoCommit, obj: &ObjId) -> usize {
        let props: Vec<Prop> = match doc.object_type(obj).unwrap() {
            ObjType::Map | ObjType::Table => doc.keys(obj).map(Prop::Map).collect(),
            ObjType::List => (0..doc.length(obj)).map(Prop::Seq).collect(),
            ObjType::Text => return 0,
        };
        props
            .into_iter()
            .map(|prop| match doc.get(obj, prop).unwrap().unwrap() {
                (Value::Scalar(s), _) if matches!(s.as_ref(), ScalarValue::Str(_)) => 1,
                (Value::Scalar(_), _) => 0,
                (Value::Object(_), id) => count(doc, &id),
            })
            .sum()
    }
    count(doc, &ROOT)
}

fn copy_children(
    source: &AutoCommit,
    from: &ObjId,
    kind: ObjType,
    target: &mut AutoCommit,
    to: &ObjId,
) {
    match kind {
        ObjType::Map | ObjType::Table => {
            for key in source.keys(from).collect::<Vec<_>>() {
                let (value, id) = source.get(from, key.as_str()).unwrap().unwrap();
                copy_value(source, value, &id, target, to, Prop::Map(key), false);
            }
        }
        ObjType::List => {
            for index in 0..source.length(from) {
                let (value, id) = source.get(from, index).unwrap().unwrap();
                copy_value(source, value, &id, target, to, Prop::Seq(index), true);
            }
        }
        ObjType::Text => unreachable!("text is copied whole"),
    }
}

fn create(target: &mut AutoCommit, obj: &ObjId, prop: Prop, kind: ObjType, insert: bool) -> ObjId {
    match (prop, insert) {
        (Prop::Seq(index), true) => target.insert_object(obj, index, kind).unwrap(),
        (prop, _) => target.put_object(obj, prop, kind).unwrap(),
    }
}

fn copy_value(
    source: &AutoCommit,
    value: Value<'_>,
    id: &ObjId,
    target: &mut AutoCommit,
    obj: &ObjId,
    prop: Prop,
    insert: bool,
) {
    let text = match &value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(text) => Some(text.to_string()),
            _ => None,
        },
        Value::Object(ObjType::Text) => Some(source.text(id).unwrap()),
        Value::Object(_) => None,
    };
    if let Some(text) = text {
        let new = create(target, obj, prop, ObjType::Text, insert);
        target.splice_text(&new, 0, 0, &text).unwrap();
        return;
    }
    match value {
        Value::Scalar(scalar) => match (prop, insert) {
            (Prop::Seq(index), true) => target.insert(obj, index, scalar.into_owned()).unwrap(),
            (prop, _) => target.put(obj, prop, scalar.into_owned()).unwrap(),
        },
        Value::Object(kind) => {
            let new = create(target, obj, prop, kind, insert);
            copy_children(source, id, kind, target, &new);
        }
    }
}

//! Credential schemas (the named, typed attributes a credential carries), attribute values,
//! and dates as days since 1970-01-01.
//!
//! # Schema file (JSON, version 1)
//! ```json
//! { "version": 1, "id": "example.org/credit-score/v1",
//!   "attributes": [ { "name": "score", "type": "uint", "bits": 16 },
//!                   { "name": "as_of", "type": "date" },
//!                   { "name": "bureau", "type": "string" } ] }
//! ```
//! Types: `uint` (unsigned integer of `bits` = 1..=64 bits, default 64), `date`
//! (`"YYYY-MM-DD"`, 1970-01-01 to 9999-12-31, stored as days since 1970-01-01), `string`
//! (UTF-8, at most [`MAX_STRING_BYTES`] bytes, hashed into the field by
//! [`super::string_to_field`]). Unknown fields are refused.

use std::fmt;

use ark_bn254::Fr;
use serde::{Deserialize, Serialize};

use super::{string_to_field, CredentialError};

/// Most attributes in one schema.
pub const MAX_ATTRIBUTES: usize = 64;
/// Longest schema id, in bytes.
pub const MAX_SCHEMA_ID_BYTES: usize = 128;
/// Longest attribute name, in bytes.
pub const MAX_NAME_BYTES: usize = 64;
/// Longest string attribute value, in bytes of UTF-8.
pub const MAX_STRING_BYTES: usize = 1024;

/// Days since 1970-01-01 (the first day is 0), at most 9999-12-31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Days(u32);

/// 9999-12-31 as days since 1970-01-01.
const MAX_DAYS: u32 = 2_932_896;

impl Days {
    /// A day count, refused after 9999-12-31.
    ///
    /// # Errors
    /// [`CredentialError::DayOutOfRange`].
    pub fn new(days: u64, what: &str) -> Result<Self, CredentialError> {
        match u32::try_from(days) {
            Ok(d) if d <= MAX_DAYS => Ok(Days(d)),
            _ => Err(CredentialError::DayOutOfRange {
                what: what.to_owned(),
                days,
            }),
        }
    }

    /// The day count.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Parses `YYYY-MM-DD` (proleptic Gregorian, 1970-01-01 to 9999-12-31).
    ///
    /// # Errors
    /// [`CredentialError::BadDate`], naming `what`.
    pub fn parse(text: &str, what: &str) -> Result<Self, CredentialError> {
        let bad = || CredentialError::BadDate {
            what: what.to_owned(),
            text: text.to_owned(),
        };
        let b = text.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err(bad());
        }
        let number = |range: std::ops::Range<usize>| {
            b[range]
                .iter()
                .fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'))
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month)
        {
            return Err(bad());
        }
        Ok(Days(days_from_civil(year, month, day)))
    }

    /// The field element: the day count.
    pub fn to_field(self) -> Fr {
        Fr::from(u64::from(self.0))
    }
}

impl fmt::Display for Days {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date from 1970 on (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> u32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 719468 = days from 0000-03-01 to 1970-01-01; dates from 1970 on are not below it.
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: u32) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u32::from(month <= 2);
    (year, month, day)
}

/// The type of one attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeType {
    /// An unsigned integer below `2^bits` (1 ≤ bits ≤ 64).
    Uint {
        /// Width in bits.
        bits: u8,
    },
    /// A date, as days since 1970-01-01.
    Date,
    /// A UTF-8 string, hashed into the field.
    String,
}

impl AttributeType {
    /// Code and width in the schema's canonical bytes.
    pub(super) fn code(self) -> (u8, u8) {
        match self {
            AttributeType::Uint { bits } => (1, bits),
            AttributeType::Date => (2, 0),
            AttributeType::String => (3, 0),
        }
    }
}

/// One named, typed attribute of a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeSpec {
    /// Its name (`[a-z][a-z0-9_]*`, at most 64 bytes).
    pub name: String,
    /// Its type.
    pub kind: AttributeType,
}

/// A validated schema: an id and 1 to [`MAX_ATTRIBUTES`] distinct attributes, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    id: String,
    attributes: Vec<AttributeSpec>,
}

/// The JSON form of a schema (version 1).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SchemaJson {
    version: u64,
    id: String,
    attributes: Vec<AttributeJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeJson {
    name: String,
    #[serde(rename = "type")]
    kind: TypeJson,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bits: Option<u64>,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum TypeJson {
    Uint,
    Date,
    String,
}

fn check_name(
    what: &'static str,
    name: &str,
    limit: usize,
    extra: &[u8],
) -> Result<(), CredentialError> {
    if name.len() > limit {
        return Err(CredentialError::TooLong {
            what,
            found: name.len(),
            limit,
        });
    }
    let bytes = name.as_bytes();
    let ok = bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || extra.contains(c)
        });
    if ok {
        Ok(())
    } else {
        Err(CredentialError::BadName {
            what,
            name: name.to_owned(),
        })
    }
}

impl Schema {
    /// A schema from its id and attributes, validated.
    ///
    /// # Errors
    /// A bad id or name, a repeated name, no attribute or too many, a width outside 1..=64.
    pub fn new(id: String, attributes: Vec<AttributeSpec>) -> Result<Self, CredentialError> {
        check_name("schema id", &id, MAX_SCHEMA_ID_BYTES, b"./:-")?;
        if attributes.is_empty() {
            return Err(CredentialError::NoAttributes);
        }
        if attributes.len() > MAX_ATTRIBUTES {
            return Err(CredentialError::TooLong {
                what: "the schema's attribute list",
                found: attributes.len(),
                limit: MAX_ATTRIBUTES,
            });
        }
        for (i, spec) in attributes.iter().enumerate() {
            check_name("attribute name", &spec.name, MAX_NAME_BYTES, b"")?;
            if attributes[..i].iter().any(|a| a.name == spec.name) {
                return Err(CredentialError::DuplicateAttribute {
                    name: spec.name.clone(),
                });
            }
            if let AttributeType::Uint { bits } = spec.kind {
                if !(1..=64).contains(&bits) {
                    return Err(CredentialError::BadWidth {
                        name: spec.name.clone(),
                        bits: u64::from(bits),
                    });
                }
            }
        }
        Ok(Schema { id, attributes })
    }

    /// Decodes a schema file (JSON, version 1), strictly.
    ///
    /// # Errors
    /// Malformed JSON, unknown fields, another version, or anything [`Schema::new`] refuses.
    pub fn from_json(bytes: &[u8]) -> Result<Self, CredentialError> {
        let json: SchemaJson =
            serde_json::from_slice(bytes).map_err(|source| CredentialError::Json {
                what: "schema",
                source,
            })?;
        Self::from_json_value(json)
    }

    pub(super) fn from_json_value(json: SchemaJson) -> Result<Self, CredentialError> {
        if json.version != 1 {
            return Err(CredentialError::UnsupportedVersion {
                what: "schema",
                found: json.version,
            });
        }
        if json.attributes.len() > MAX_ATTRIBUTES {
            return Err(CredentialError::TooLong {
                what: "the schema's attribute list",
                found: json.attributes.len(),
                limit: MAX_ATTRIBUTES,
            });
        }
        let attributes = json
            .attributes
            .into_iter()
            .map(|a| {
                let kind = match (a.kind, a.bits) {
                    (TypeJson::Uint, bits) => {
                        let bits = bits.unwrap_or(64);
                        match u8::try_from(bits) {
                            Ok(b) if (1..=64).contains(&b) => AttributeType::Uint { bits: b },
                            _ => return Err(CredentialError::BadWidth { name: a.name, bits }),
                        }
                    }
                    (_, Some(_)) => {
                        return Err(CredentialError::WidthNotApplicable { name: a.name })
                    }
                    (TypeJson::Date, None) => AttributeType::Date,
                    (TypeJson::String, None) => AttributeType::String,
                };
                Ok(AttributeSpec { name: a.name, kind })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Schema::new(json.id, attributes)
    }

    pub(super) fn to_json_value(&self) -> SchemaJson {
        SchemaJson {
            version: 1,
            id: self.id.clone(),
            attributes: self
                .attributes
                .iter()
                .map(|a| {
                    let (kind, bits) = match a.kind {
                        AttributeType::Uint { bits } => (TypeJson::Uint, Some(u64::from(bits))),
                        AttributeType::Date => (TypeJson::Date, None),
                        AttributeType::String => (TypeJson::String, None),
                    };
                    AttributeJson {
                        name: a.name.clone(),
                        kind,
                        bits,
                    }
                })
                .collect(),
        }
    }

    /// The schema file (JSON, version 1, pretty-printed).
    pub fn to_json(&self) -> String {
        // Serializing plain strings and integers into a String cannot fail.
        serde_json::to_string_pretty(&self.to_json_value()).unwrap_or_default()
    }

    /// The schema id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The attributes, in order.
    pub fn attributes(&self) -> &[AttributeSpec] {
        &self.attributes
    }

    /// The position of an attribute, by name.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.attributes.iter().position(|a| a.name == name)
    }

    /// The schema's canonical bytes, hashed into the credential ([`super::schema_to_field`]).
    ///
    /// # Layout
    /// `u32be(len(id)) ‖ id ‖ u32be(n)`, then per attribute in order
    /// `u32be(len(name)) ‖ name ‖ code ‖ bits`, with code 1 = uint (bits = its width),
    /// 2 = date, 3 = string (bits = 0 for both).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        fn put(bytes: &mut Vec<u8>, item: &[u8]) {
            // Lengths are bounded by the limits above, far below 2^32.
            bytes.extend_from_slice(&(item.len() as u32).to_be_bytes());
            bytes.extend_from_slice(item);
        }
        let mut bytes = Vec::new();
        put(&mut bytes, self.id.as_bytes());
        bytes.extend_from_slice(&(self.attributes.len() as u32).to_be_bytes());
        for a in &self.attributes {
            put(&mut bytes, a.name.as_bytes());
            let (code, bits) = a.kind.code();
            bytes.extend_from_slice(&[code, bits]);
        }
        bytes
    }
}

/// One attribute's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttributeValue {
    /// An unsigned integer.
    Uint(u64),
    /// A date.
    Date(Days),
    /// A string.
    String(String),
}

impl AttributeValue {
    /// The field element the credential hash takes: the integer, the day count, or the
    /// string's domain-separated hash.
    pub fn to_field(&self) -> Fr {
        match self {
            AttributeValue::Uint(v) => Fr::from(*v),
            AttributeValue::Date(d) => d.to_field(),
            AttributeValue::String(s) => string_to_field(s),
        }
    }

    /// Parses a JSON value against its attribute's type: a number for `uint`, a
    /// `"YYYY-MM-DD"` string for `date`, a string for `string`.
    ///
    /// # Errors
    /// Wrong type, too wide, bad date, string too long.
    pub fn from_json(
        spec: &AttributeSpec,
        value: &serde_json::Value,
    ) -> Result<Self, CredentialError> {
        let wrong = |expected| CredentialError::WrongType {
            name: spec.name.clone(),
            expected,
        };
        match spec.kind {
            AttributeType::Uint { bits } => {
                let v = value
                    .as_u64()
                    .ok_or_else(|| wrong("an unsigned integer (a JSON number)"))?;
                if bits < 64 && v >> bits != 0 {
                    return Err(CredentialError::OutOfRange {
                        name: spec.name.clone(),
                        bits,
                    });
                }
                Ok(AttributeValue::Uint(v))
            }
            AttributeType::Date => {
                let text = value
                    .as_str()
                    .ok_or_else(|| wrong("a date written \"YYYY-MM-DD\""))?;
                Ok(AttributeValue::Date(Days::parse(text, &spec.name)?))
            }
            AttributeType::String => {
                let text = value.as_str().ok_or_else(|| wrong("a JSON string"))?;
                if text.len() > MAX_STRING_BYTES {
                    return Err(CredentialError::TooLong {
                        what: "a string attribute (bytes of UTF-8)",
                        found: text.len(),
                        limit: MAX_STRING_BYTES,
                    });
                }
                Ok(AttributeValue::String(text.to_owned()))
            }
        }
    }

    /// The JSON form (as [`AttributeValue::from_json`] reads it).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            AttributeValue::Uint(v) => serde_json::Value::from(*v),
            AttributeValue::Date(d) => serde_json::Value::from(d.to_string()),
            AttributeValue::String(s) => serde_json::Value::from(s.as_str()),
        }
    }
}

/// A schema's attribute values, complete and in schema order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attributes {
    schema: Schema,
    values: Vec<AttributeValue>,
}

/// The attribute file (JSON, version 1).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributesFile {
    version: u64,
    schema: String,
    attributes: serde_json::Map<String, serde_json::Value>,
}

impl Attributes {
    /// Reads values for every attribute of `schema`, by name, from a JSON object.
    ///
    /// # Errors
    /// An unknown or missing attribute, or a value [`AttributeValue::from_json`] refuses.
    pub fn from_map(
        schema: &Schema,
        map: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, CredentialError> {
        if let Some(name) = map.keys().find(|k| schema.position(k).is_none()) {
            return Err(CredentialError::UnknownAttribute {
                name: name.clone(),
                schema: schema.id.clone(),
            });
        }
        let values = schema
            .attributes
            .iter()
            .map(|spec| {
                let value =
                    map.get(&spec.name)
                        .ok_or_else(|| CredentialError::MissingAttribute {
                            name: spec.name.clone(),
                            schema: schema.id.clone(),
                        })?;
                AttributeValue::from_json(spec, value)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Attributes {
            schema: schema.clone(),
            values,
        })
    }

    /// Decodes an attribute file (`{"version": 1, "schema": id, "attributes": {…}}`) for
    /// `schema`.
    ///
    /// # Errors
    /// Malformed JSON, unknown fields, another version, another schema id, or anything
    /// [`Attributes::from_map`] refuses.
    pub fn from_json(schema: &Schema, bytes: &[u8]) -> Result<Self, CredentialError> {
        let file: AttributesFile =
            serde_json::from_slice(bytes).map_err(|source| CredentialError::Json {
                what: "attribute file",
                source,
            })?;
        if file.version != 1 {
            return Err(CredentialError::UnsupportedVersion {
                what: "attribute file",
                found: file.version,
            });
        }
        if file.schema != schema.id {
            return Err(CredentialError::SchemaMismatch {
                expected: schema.id.clone(),
                found: file.schema,
            });
        }
        Self::from_map(schema, &file.attributes)
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The values, in schema order.
    pub fn values(&self) -> &[AttributeValue] {
        &self.values
    }

    /// The value of one attribute, by name.
    pub fn get(&self, name: &str) -> Option<&AttributeValue> {
        self.schema.position(name).map(|i| &self.values[i])
    }

    /// The values as a JSON object, by name.
    pub fn to_json_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.schema
            .attributes
            .iter()
            .zip(&self.values)
            .map(|(spec, value)| (spec.name.clone(), value.to_json()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_strictness() {
        assert_eq!(Days::parse("1970-01-01", "d").unwrap().get(), 0);
        assert_eq!(Days::parse("2000-03-01", "d").unwrap().get(), 11_017);
        assert_eq!(Days::parse("2027-12-31", "d").unwrap().get(), 21_183); // Node: Date.parse
        assert_eq!(Days::parse("9999-12-31", "d").unwrap().get(), MAX_DAYS);
        for d in [0, 59, 60, 365, 11_016, 20_818, 123_456, MAX_DAYS] {
            let text = Days(d).to_string();
            assert_eq!(Days::parse(&text, "d").unwrap(), Days(d), "{text}");
        }
        for bad in [
            "1969-12-31",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "2024-01-32",
            "24-01-01",
            "2024/01/01",
            "+024-01-01",
            "2024-04-31",
            "",
        ] {
            assert!(Days::parse(bad, "d").is_err(), "{bad}");
        }
        assert!(Days::parse("2024-02-29", "d").is_ok());
        assert!(Days::new(u64::from(MAX_DAYS) + 1, "d").is_err());
    }

    #[test]
    fn schema_validation() {
        let ok = br#"{"version":1,"id":"x.org/s/v1","attributes":[{"name":"a","type":"uint","bits":8},{"name":"b","type":"date"},{"name":"c","type":"string"}]}"#;
        let schema = Schema::from_json(ok).unwrap();
        assert_eq!(schema.attributes()[0].kind, AttributeType::Uint { bits: 8 });
        assert_eq!(
            Schema::from_json(schema.to_json().as_bytes()).unwrap(),
            schema
        );
        for bad in [
            r#"{"version":2,"id":"s","attributes":[{"name":"a","type":"date"}]}"#,
            r#"{"version":1,"id":"s","attributes":[]}"#,
            r#"{"version":1,"id":"s","attributes":[{"name":"a","type":"date"},{"name":"a","type":"uint"}]}"#,
            r#"{"version":1,"id":"s","attributes":[{"name":"a","type":"uint","bits":65}]}"#,
            r#"{"version":1,"id":"s","attributes":[{"name":"a","type":"uint","bits":0}]}"#,
            r#"{"version":1,"id":"s","attributes":[{"name":"a","type":"date","bits":8}]}"#,
            r#"{"version":1,"id":"s","attributes":[{"name":"A","type":"date"}]}"#,
            r#"{"version":1,"id":"s","attributes":[{"name":"a.b","type":"date"}]}"#,
            r#"{"version":1,"id":"S","attributes":[{"name":"a","type":"date"}]}"#,
            r#"{"version":1,"id":"s","attributes":[{"name":"a","type":"float"}]}"#,
            r#"{"version":1,"id":"s","attributes":[{"name":"a","type":"date"}],"extra":1}"#,
            r#"{"version":1,"id":"s","attributes":[{"name":"a","type":"date","x":1}]}"#,
        ] {
            assert!(Schema::from_json(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn attribute_values_are_typed() {
        let schema = Schema::from_json(
            br#"{"version":1,"id":"s","attributes":[{"name":"a","type":"uint","bits":8},{"name":"b","type":"date"},{"name":"c","type":"string"}]}"#,
        )
        .unwrap();
        let file = |attrs: &str| format!(r#"{{"version":1,"schema":"s","attributes":{attrs}}}"#);
        let good = Attributes::from_json(
            &schema,
            file(r#"{"a":255,"b":"2000-01-01","c":"x"}"#).as_bytes(),
        )
        .unwrap();
        assert_eq!(good.get("a"), Some(&AttributeValue::Uint(255)));
        for bad in [
            r#"{"a":256,"b":"2000-01-01","c":"x"}"#,
            r#"{"a":-1,"b":"2000-01-01","c":"x"}"#,
            r#"{"a":1.5,"b":"2000-01-01","c":"x"}"#,
            r#"{"a":"1","b":"2000-01-01","c":"x"}"#,
            r#"{"a":1,"b":10957,"c":"x"}"#,
            r#"{"a":1,"b":"2000-01-01","c":7}"#,
            r#"{"a":1,"b":"2000-01-01"}"#,
            r#"{"a":1,"b":"2000-01-01","c":"x","d":1}"#,
        ] {
            assert!(
                Attributes::from_json(&schema, file(bad).as_bytes()).is_err(),
                "{bad}"
            );
        }
        let long = "y".repeat(MAX_STRING_BYTES + 1);
        let text = file(&format!(r#"{{"a":1,"b":"2000-01-01","c":"{long}"}}"#));
        assert!(matches!(
            Attributes::from_json(&schema, text.as_bytes()),
            Err(CredentialError::TooLong { .. })
        ));
        let other = r#"{"version":1,"schema":"t","attributes":{"a":1,"b":"2000-01-01","c":"x"}}"#;
        assert!(matches!(
            Attributes::from_json(&schema, other.as_bytes()),
            Err(CredentialError::SchemaMismatch { .. })
        ));
    }
}

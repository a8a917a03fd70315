//! `#[live_component(binary_delta)]`: the fields whose changes go as binary `0x01` frames,
//! read from the struct's field types, and the `BINARY_FIELDS` constant they expand to.

use crate::errors::Errors;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Field, Type};

/// How a field travels in a binary delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wire {
    /// One of the codec's wire types, by its `WireType` variant name.
    Type(&'static str),
    /// A 64-bit integer: `float64` on the wire while within ±2^53.
    Integer,
}

/// One field carried in binary.
pub(crate) struct BinaryField {
    /// Its JSON (serde) name.
    pub(crate) wire_name: String,
    /// How it is encoded.
    pub(crate) wire: Wire,
}

/// The wire of a field of type `ty`, if the codec carries it: integers, floats, `bool`
/// and `String`, recognised by name (`u8`, `std::string::String`; an alias is not).
pub(crate) fn wire_of(ty: &Type) -> Option<Wire> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if path.qself.is_some() || !segment.arguments.is_none() {
        return None;
    }
    Some(Wire::Type(match segment.ident.to_string().as_str() {
        "u8" => "Uint8",
        "u16" => "Uint16",
        "u32" => "Uint32",
        "i8" => "Int8",
        "i16" => "Int16",
        "i32" => "Int32",
        "f32" => "Float32",
        "f64" => "Float64",
        "bool" => "Boolean",
        "String" => "String",
        "u64" | "i64" | "usize" | "isize" => return Some(Wire::Integer),
        _ => return None,
    }))
}

/// Whether serde leaves the field out of the state's top-level keys (`skip`,
/// `skip_serializing`, `flatten`).
pub(crate) fn not_a_key(field: &Field) -> bool {
    let mut skipped = false;
    for attr in field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
    {
        let _ignored = attr.parse_nested_meta(|meta| {
            skipped |= ["skip", "skip_serializing", "flatten"]
                .iter()
                .any(|key| meta.path.is_ident(key));
            crate::shared::meta::skip_value(&meta)
        });
    }
    skipped
}

/// `binary_delta` needs at least one field the codec carries.
pub(crate) fn check(errors: &mut Errors, flag: &syn::Path, fields: &[BinaryField]) {
    if fields.is_empty() {
        errors.spanned(
            flag,
            "`binary_delta` needs a field the binary codec carries (an integer, a float, `bool` \
             or `String`); this component has none, so every change would go as JSON: remove \
             `binary_delta`",
        );
    }
}

/// `const BINARY_FIELDS: &[BinaryField] = &[...]` for `ComponentAttrs`.
pub(crate) fn constant(fields: &[BinaryField]) -> TokenStream {
    let fields = fields
        .iter()
        .map(|BinaryField { wire_name, wire }| match wire {
            Wire::Type(variant) => {
                let variant = syn::Ident::new(variant, proc_macro2::Span::call_site());
                quote!(::live::__private::BinaryField::new(
                    #wire_name,
                    ::live::__private::WireType::#variant
                ))
            }
            Wire::Integer => quote!(::live::__private::BinaryField::integer(#wire_name)),
        });
    quote! {
        const BINARY_FIELDS: &'static [::live::__private::BinaryField] = &[#(#fields),*];
    }
}

#[cfg(test)]
mod tests {
    use super::{Wire, not_a_key, wire_of};
    use syn::parse_quote;

    #[test]
    fn maps_field_types_to_wire_types() {
        let cases: [(syn::Type, Option<Wire>); 8] = [
            (parse_quote!(u8), Some(Wire::Type("Uint8"))),
            (parse_quote!(f32), Some(Wire::Type("Float32"))),
            (
                parse_quote!(std::string::String),
                Some(Wire::Type("String")),
            ),
            (parse_quote!(bool), Some(Wire::Type("Boolean"))),
            (parse_quote!(usize), Some(Wire::Integer)),
            (parse_quote!(Vec<u8>), None),
            (parse_quote!(Option<i32>), None),
            (parse_quote!(&'static str), None),
        ];
        for (ty, expected) in cases {
            assert_eq!(wire_of(&ty), expected, "{}", quote::quote!(#ty));
        }
    }

    #[test]
    fn skips_fields_serde_leaves_out() {
        let fields: syn::FieldsNamed = parse_quote!({
            #[serde(skip)] a: u8,
            #[serde(rename = "x", skip_serializing)] b: u8,
            #[serde(flatten)] c: u8,
            #[serde(rename = "d", default)] d: u8,
        });
        let skipped: Vec<bool> = fields.named.iter().map(not_a_key).collect();
        assert_eq!(skipped, [true, true, true, false]);
    }
}

//! `#[upload(accept = [...], max_size = "5MiB")]` methods: parse → validate → expand into
//! `LiveComponent::UPLOADS` and `receive_upload`.

use crate::errors::Errors;
use crate::shared::meta::{duplicate, take, unknown};
use crate::shared::syntax::{Output, check_method};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, FnArg, ImplItem, ItemImpl, Lit, LitStr, Signature, Type};

use super::ast::is_ctx_ref;

const KEYS: &str = "`accept = [\"type/subtype\", ...]`, `max_size = \"5MiB\"` or `name = \"...\"`";

/// One `#[upload]` method.
pub(crate) struct Upload {
    /// The name clients may send as `uploadName` (the method's, or `name = "..."`).
    pub(crate) name: LitStr,
    /// The method's signature.
    pub(crate) sig: Signature,
    /// Accepted MIME types (empty: any the server allows).
    pub(crate) accept: Vec<LitStr>,
    /// The largest file in bytes.
    pub(crate) max_size: Option<u64>,
}

/// Removes `#[upload]` from the impl block's items and reads the upload methods.
pub(crate) fn take_uploads(errors: &mut Errors, item: &mut ItemImpl) -> Vec<Upload> {
    let mut uploads = Vec::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            if let Some(attrs) = attrs_mut(impl_item) {
                for upload in take(attrs, "upload") {
                    errors.spanned(upload, "`#[upload]` can only be used on methods");
                }
            }
            continue;
        };
        let attrs = take(&mut method.attrs, "upload");
        let Some((attr, duplicates)) = attrs.split_first() else {
            continue;
        };
        for extra in duplicates {
            errors.spanned(extra, "duplicate `#[upload]` attribute");
        }
        if let Some(action) = method.attrs.iter().find(|a| a.path().is_ident("action")) {
            errors.spanned(
                action,
                "a method is either an `#[action]` or an `#[upload]`, not both",
            );
        }
        uploads.push(parse(errors, attr, &method.sig));
    }
    uploads
}

fn attrs_mut(item: &mut ImplItem) -> Option<&mut Vec<Attribute>> {
    match item {
        ImplItem::Const(item) => Some(&mut item.attrs),
        ImplItem::Type(item) => Some(&mut item.attrs),
        ImplItem::Macro(item) => Some(&mut item.attrs),
        _ => None,
    }
}

/// Reads `#[upload(...)]` (every bad argument reported).
fn parse(errors: &mut Errors, attr: &Attribute, sig: &Signature) -> Upload {
    let mut name: Option<LitStr> = None;
    let mut accept: Option<Vec<LitStr>> = None;
    let mut max_size: Option<u64> = None;
    if matches!(attr.meta, syn::Meta::List(_)) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                let value: LitStr = meta.value()?.parse()?;
                if value.value().is_empty() {
                    errors.spanned(&value, "an upload name cannot be empty");
                }
                if name.replace(value).is_some() {
                    errors.push(duplicate(&meta));
                }
            } else if meta.path.is_ident("accept") {
                let value: Expr = meta.value()?.parse()?;
                if accept.replace(mime_list(errors, &value)).is_some() {
                    errors.push(duplicate(&meta));
                }
            } else if meta.path.is_ident("max_size") {
                let value: Expr = meta.value()?.parse()?;
                if max_size
                    .replace(size(errors, &value).unwrap_or(1))
                    .is_some()
                {
                    errors.push(duplicate(&meta));
                }
            } else {
                return Err(unknown(&meta, "upload", KEYS));
            }
            Ok(())
        });
        if let Err(error) = parsed {
            errors.push(error);
        }
    }
    Upload {
        name: name.unwrap_or_else(|| LitStr::new(&sig.ident.unraw().to_string(), sig.ident.span())),
        sig: sig.clone(),
        accept: accept.unwrap_or_default(),
        max_size,
    }
}

/// `["image/png", "image/*"]`: string literals of the form `type/subtype`.
fn mime_list(errors: &mut Errors, value: &Expr) -> Vec<LitStr> {
    let Expr::Array(array) = value else {
        errors.spanned(
            value,
            "`accept` takes a list of MIME types: `accept = [\"image/png\"]`",
        );
        return Vec::new();
    };
    let mut types = Vec::new();
    for element in &array.elems {
        match element {
            Expr::Lit(ExprLit {
                lit: Lit::Str(mime),
                ..
            }) if is_mime(&mime.value()) => types.push(mime.clone()),
            other => errors.spanned(
                other,
                "expected a MIME type as a string, `\"type/subtype\"` or `\"type/*\"`",
            ),
        }
    }
    types
}

fn is_mime(text: &str) -> bool {
    let token = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match text.split_once('/') {
        Some((major, "*")) => token(major),
        Some((major, minor)) => token(major) && token(minor),
        None => false,
    }
}

/// `max_size = "5MiB"` (B, KB, KiB, MB, MiB, GB, GiB) or a byte count; at least 1.
fn size(errors: &mut Errors, value: &Expr) -> Option<u64> {
    let bytes = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<u64>().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => parse_size(&text.value()),
        _ => None,
    };
    match bytes {
        Some(bytes) if bytes > 0 => Some(bytes),
        _ => {
            errors.spanned(
                value,
                "`max_size` takes a positive size such as `\"5MiB\"`, `\"500KB\"` or `1048576` (units: B, KB, KiB, MB, MiB, GB, GiB)",
            );
            None
        }
    }
}

fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" => 1000,
        "KiB" => 1024,
        "MB" => 1000 * 1000,
        "MiB" => 1024 * 1024,
        "GB" => 1000 * 1000 * 1000,
        "GiB" => 1024 * 1024 * 1024,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// Checks the upload methods' signatures and names.
pub(crate) fn check(errors: &mut Errors, uploads: &[Upload]) {
    let mut names: Vec<String> = Vec::new();
    for upload in uploads {
        let name = upload.name.value();
        if names.contains(&name) {
            errors.spanned(&upload.name, format!("duplicate upload name `{name}`"));
        }
        names.push(name);
        check_signature(errors, &upload.sig);
    }
}

fn check_signature(errors: &mut Errors, sig: &Signature) {
    const WHAT: &str = "an `#[upload]` method";
    check_method(errors, sig, WHAT, "take `&mut self`", "component");
    if let Some(receiver) = sig.receiver()
        && matches!(&*receiver.ty, Type::Reference(reference) if reference.mutability.is_none())
    {
        errors.spanned(receiver, "an `#[upload]` method must take `&mut self`");
    }
    let files: Vec<_> = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(arg) if !is_ctx_ref(&arg.ty) => Some(arg),
            _ => None,
        })
        .collect();
    match files.as_slice() {
        [] => errors.spanned(
            &sig.ident,
            "an `#[upload]` method takes the finished file: `file: UploadedFile` (and optionally `ctx: &mut Ctx<Self>`)",
        ),
        [_] => {}
        [_, extra @ ..] => {
            for arg in extra {
                errors.spanned(
                    arg,
                    "an `#[upload]` method takes only the file and optionally `ctx: &mut Ctx<Self>`",
                );
            }
        }
    }
    let returns_unit = match Output::from_syn(&sig.output) {
        Output::Unit | Output::Result { ok_unit: true, .. } => true,
        Output::Value(_) | Output::Result { .. } => false,
    };
    if !returns_unit {
        errors.spanned(
            &sig.output,
            "an `#[upload]` method returns `()` or `Result<(), E>` (its result becomes FILE_UPLOAD_COMPLETE)",
        );
    }
}

/// `UPLOADS` and `receive_upload`, or nothing when the component declares no upload.
pub(crate) fn expand(uploads: &[Upload]) -> TokenStream {
    if uploads.is_empty() {
        return TokenStream::new();
    }
    let specs = uploads.iter().map(|upload| {
        let name = &upload.name;
        let accept = &upload.accept;
        let max_size = match upload.max_size {
            Some(bytes) => quote!(::core::option::Option::Some(#bytes)),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            ::live::upload::UploadSpec { name: #name, accept: &[#(#accept),*], max_size: #max_size }
        }
    });
    let arms = uploads.iter().map(arm);
    quote! {
        const UPLOADS: &'static [::live::upload::UploadSpec] = &[#(#specs),*];

        #[allow(unused_variables)]
        fn receive_upload<'a>(
            &'a mut self,
            upload: &'a str,
            file: ::live::upload::UploadedFile,
            ctx: &'a mut ::live::Ctx<Self>,
        ) -> ::live::component::BoxFuture<'a, ::core::result::Result<(), ::live::ActionError>> {
            ::live::__private::boxed(async move {
                match upload {
                    #(#arms)*
                    _ => ::core::result::Result::Err(::live::ActionError::new(::std::format!(
                        "Component has no upload '{}'",
                        upload
                    ))),
                }
            })
        }
    }
}

/// `"name" => call the method, converting its error`.
fn arm(upload: &Upload) -> TokenStream {
    let name = &upload.name;
    let method = &upload.sig.ident;
    let mut file = Some(quote!(file));
    let args = upload.sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(arg) if is_ctx_ref(&arg.ty) => Some(quote_spanned!(arg.ty.span()=> &mut *ctx)),
        FnArg::Typed(arg) => file
            .take()
            .map(|file| quote_spanned!(arg.ty.span()=> #file)),
        FnArg::Receiver(_) => None,
    });
    let call = quote!(self.#method(#(#args),*));
    let call = match upload.sig.asyncness {
        Some(_) => quote!(#call.await),
        None => call,
    };
    let result = super::expand::unit_result(&Output::from_syn(&upload.sig.output), &call);
    quote!(#name => { #result })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_mime_types() {
        assert_eq!(parse_size("5MiB"), Some(5 * 1024 * 1024));
        assert_eq!(parse_size("500 KB"), Some(500_000));
        assert_eq!(parse_size("12"), Some(12));
        assert_eq!(parse_size("5 mb"), None);
        assert_eq!(parse_size("MiB"), None);
        assert!(is_mime("image/png") && is_mime("image/*") && is_mime("image/svg+xml"));
        assert!(!is_mime("png") && !is_mime("*/*x") && !is_mime("image/ png"));
    }
}

//! Reading and checking the Rust the user wrote: method signatures, return types, generics.

use crate::errors::Errors;
use syn::{
    FnArg, GenericArgument, PatType, PathArguments, PathSegment, ReturnType, Signature, Type,
};

/// What a method returns, as far as the macros care.
pub(crate) enum Output {
    /// Nothing, or `()`.
    Unit,
    /// A type whose last path segment is `Result`.
    Result {
        /// The written return type.
        ty: Type,
        /// Whether the `Ok` type is `()` (or absent, as in `io::Result<()>`'s alias form).
        ok_unit: bool,
    },
    /// Any other type.
    Value(Type),
}

impl Output {
    /// Classifies a method's return type.
    pub(crate) fn from_syn(output: &ReturnType) -> Self {
        let ReturnType::Type(_, ty) = output else {
            return Self::Unit;
        };
        if is_unit(ty) {
            return Self::Unit;
        }
        match last_segment(ty) {
            Some(segment) if segment.ident == "Result" => Self::Result {
                ty: (**ty).clone(),
                ok_unit: first_type_argument(segment).is_some_and(is_unit),
            },
            _ => Self::Value((**ty).clone()),
        }
    }
}

/// Whether `ty` is `()`.
pub(crate) fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// The last segment of a path type.
pub(crate) fn last_segment(ty: &Type) -> Option<&PathSegment> {
    match ty {
        Type::Path(path) => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

fn first_type_argument(segment: &PathSegment) -> Option<&Type> {
    let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// Whether `ty` is `&str`.
pub(crate) fn is_str_ref(ty: &Type) -> bool {
    matches!(ty, Type::Reference(reference) if reference.mutability.is_none() && is_named(&reference.elem, "str"))
}

/// Whether `ty` is the single identifier `name` (`usize`, `str`).
pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident(name))
}

/// The typed (non-`self`) arguments of `sig`, in order.
pub(crate) fn typed_args(sig: &Signature) -> Vec<&PatType> {
    sig.inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(arg) => Some(arg),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// Checks a hook's typed arguments against `expected` (one type test per position), of which
/// the first `required` must be present; `wrong` builds the message from what is wrong.
pub(crate) fn check_args(
    errors: &mut Errors,
    sig: &Signature,
    expected: &[fn(&Type) -> bool],
    required: usize,
    wrong: &dyn Fn(&str) -> String,
) {
    let args = typed_args(sig);
    for (position, arg) in args.iter().enumerate() {
        match expected.get(position) {
            Some(matches) if matches(&arg.ty) => {}
            Some(_) => errors.spanned(&arg.ty, wrong("unexpected argument type")),
            None => errors.spanned(arg, wrong("unexpected argument")),
        }
    }
    if args.len() < required {
        errors.push(syn::Error::new(
            sig.paren_token.span.join(),
            wrong("missing arguments"),
        ));
    }
}

/// Checks what generated code needs of a method it calls: a `&self`/`&mut self` receiver,
/// no generics, not `unsafe`. `kept` names what the runtime owns (`component`, `room`).
pub(crate) fn check_method(
    errors: &mut Errors,
    sig: &Signature,
    what: &str,
    receiver_rule: &str,
    kept: &str,
) {
    match sig.receiver() {
        None => errors.spanned(
            &sig.ident,
            format!(
                "{what} must {receiver_rule}: `{}` is an associated function without `self`",
                sig.ident
            ),
        ),
        Some(receiver) if !matches!(*receiver.ty, Type::Reference(_)) => errors.spanned(
            receiver,
            format!("{what} must {receiver_rule}: it cannot take `self` by value (the runtime keeps the {kept})"),
        ),
        Some(_) => {}
    }
    check_not_generic(errors, &sig.generics, what);
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(unsafety, format!("{what} cannot be `unsafe`"));
    }
}

/// Rejects generic parameters and `where` clauses on `what`.
pub(crate) fn check_not_generic(errors: &mut Errors, generics: &syn::Generics, what: &str) {
    if !generics.params.is_empty() {
        errors.spanned(&generics.params, format!("{what} cannot be generic"));
    } else if let Some(where_clause) = &generics.where_clause {
        errors.spanned(where_clause, format!("{what} cannot have a `where` clause"));
    }
}

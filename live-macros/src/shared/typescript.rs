//! Pieces of the TypeScript descriptions the macros generate (only when `live` has its
//! feature `typescript`, see [`ENABLED`]).
//!
//! Types are described through a *probe* that asks the compiler whether a type implements
//! `ts_rs::TS` without requiring it, so a type without it becomes `unknown` (reported by
//! `live-codegen`) instead of a compile error in crates that never generate TypeScript.

use super::syntax::last_segment;
use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;
use syn::visit::{self, Visit};

/// Whether `live` was built with its feature `typescript`: it turns on this crate's feature of
/// the same name, since a proc macro cannot see the features of the crate that re-exports it.
pub(crate) const ENABLED: bool = cfg!(feature = "typescript");

/// The `TsType` of `ty`: its TypeScript when it implements `TS`, `unknown` otherwise.
/// Needs [`probe_imports`] in scope.
pub(crate) fn probe(ty: &TokenStream) -> TokenStream {
    quote!((&&::live::__private::Probe::<#ty>::new()).live_ts_type())
}

/// [`probe`] for a type as written; `unknown` for types naming `impl Trait`, which cannot
/// be named outside a signature.
pub(crate) fn probe_type(ty: &Type) -> TokenStream {
    if contains_impl_trait(ty) {
        quote!(::live::typescript::TsType::unknown())
    } else {
        probe(&quote!(#ty))
    }
}

/// The probe traits, imported anonymously (the probe's method resolution needs them).
pub(crate) fn probe_imports() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use ::live::__private::{ProbeEvents as _, ProbeMissing as _, ProbeNoEvents as _, ProbeTs as _};
    }
}

/// Whether `ty` is written `Option<..>` (any path ending in `Option`).
pub(crate) fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|segment| segment.ident == "Option")
}

/// Whether `ty` contains `impl Trait` anywhere.
pub(crate) fn contains_impl_trait(ty: &Type) -> bool {
    struct Find(bool);
    impl<'ast> Visit<'ast> for Find {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut find = Find(false);
    visit::visit_type(&mut find, ty);
    find.0
}

#[cfg(test)]
mod tests {
    use super::{contains_impl_trait, is_option};
    use syn::parse_quote;

    #[test]
    fn recognises_options_and_impl_trait() {
        assert!(is_option(&parse_quote!(Option<i64>)));
        assert!(is_option(&parse_quote!(std::option::Option<String>)));
        assert!(!is_option(&parse_quote!(Vec<Option<i64>>)));
        assert!(contains_impl_trait(&parse_quote!(impl Serialize)));
        assert!(contains_impl_trait(&parse_quote!(
            Result<impl Serialize, E>
        )));
        assert!(!contains_impl_trait(&parse_quote!(Result<i64, E>)));
    }
}

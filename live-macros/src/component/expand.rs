//! Code generation for a validated component.

use super::ast::{self, Action, ArgKind, Hook, HookKind};
use super::binary;
use super::policy::{Auth, RateLimit};
use crate::shared::syntax::Output;
use crate::shared::typescript;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Type;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};

/// `impl ComponentAttrs` for a `#[live_component]` struct.
pub(crate) fn component_attrs(component: &ast::Struct) -> TokenStream {
    let ast::Struct {
        ident,
        name,
        singleton,
        updatable,
        auth,
        rate_limit,
        binary_fields,
    } = component;
    let binary_fields = binary::constant(binary_fields);
    let auth = auth_policy(auth.as_ref());
    let rate_limit = action_rate_limit(rate_limit.as_ref());
    let wire_names = updatable.iter().map(|field| &field.wire);
    let writes = updatable.iter().map(|ast::UpdatableField { wire, ident }| {
        quote! {
            #wire => {
                self.#ident = ::live::__private::parse_field(value)?;
                ::core::result::Result::Ok(())
            }
        }
    });
    quote! {
        impl ::live::__private::ComponentAttrs for #ident {
            const NAME: &'static str = #name;
            const SINGLETON: bool = #singleton;
            const UPDATABLE_FIELDS: &'static [&'static str] = &[#(#wire_names),*];
            const AUTH: ::live::security::AuthPolicy = #auth;
            const RATE_LIMIT: ::core::option::Option<::live::security::ActionRateLimit> = #rate_limit;
            #binary_fields

            #[allow(unused_variables)]
            fn set_updatable_field(
                &mut self,
                field: &str,
                value: ::live::__private::serde_json::Value,
            ) -> ::core::result::Result<(), ::live::ActionError> {
                match field {
                    #(#writes)*
                    _ => ::core::result::Result::Err(::live::ActionError::new(::std::format!(
                        "'{}' is not an updatable field",
                        field
                    ))),
                }
            }
        }
    }
}

/// `impl LiveComponent` and the inventory registration for a `#[live_component]` impl block.
pub(crate) fn live_component(component: &ast::Impl) -> TokenStream {
    let self_ty = &component.self_ty;
    let wire_names = component.actions.iter().map(|action| &action.wire);
    let arms = component
        .actions
        .iter()
        .map(|action| dispatch_arm(self_ty, action));
    let policies = component
        .actions
        .iter()
        .filter(|action| action.policy.declared())
        .map(action_policy);
    let hooks = component.hooks.iter().map(hook);
    let uploads = super::upload::expand(&component.uploads);
    let typescript = registration(component);
    let calls = super::calls::calls_impl(component);
    // Spanned at the type so a missing `#[live_component]` on the struct is reported there.
    let attrs = quote_spanned!(self_ty.span()=> <#self_ty as ::live::__private::ComponentAttrs>);
    quote! {
        impl ::live::LiveComponent for #self_ty {
            const NAME: &'static str = #attrs::NAME;
            const SINGLETON: bool = #attrs::SINGLETON;
            const UPDATABLE_FIELDS: &'static [&'static str] = #attrs::UPDATABLE_FIELDS;
            const ACTIONS: &'static [&'static str] = &[#(#wire_names),*];
            const AUTH: ::live::security::AuthPolicy = #attrs::AUTH;
            const RATE_LIMIT: ::core::option::Option<::live::security::ActionRateLimit> = #attrs::RATE_LIMIT;
            const ACTION_POLICIES: &'static [::live::security::ActionPolicy] = &[#(#policies),*];
            const BINARY_FIELDS: &'static [::live::__private::BinaryField] = #attrs::BINARY_FIELDS;

            fn set_property(
                &mut self,
                field: &str,
                value: ::live::__private::serde_json::Value,
            ) -> ::core::result::Result<(), ::live::ActionError> {
                #attrs::set_updatable_field(self, field, value)
            }

            #[allow(unused_variables)]
            fn dispatch<'a>(
                &'a mut self,
                action: &'a str,
                payload: ::live::__private::serde_json::Value,
                ctx: &'a mut ::live::Ctx<Self>,
            ) -> ::live::component::BoxFuture<'a, ::live::component::ActionResult> {
                ::live::__private::boxed(async move {
                    match action {
                        #(#arms)*
                        _ => ::core::result::Result::Err(::live::ActionError::new(::std::format!(
                            "Action '{}' is not callable",
                            action
                        ))),
                    }
                })
            }

            #(#hooks)*

            #uploads
        }

        #typescript
        #calls
    }
}

/// The registration; with `live`'s feature `typescript`, also the component's TypeScript
/// description (`ComponentTypescript`) and a registration carrying it.
fn registration(component: &ast::Impl) -> TokenStream {
    let self_ty = &component.self_ty;
    if !typescript::ENABLED {
        return quote! {
            ::live::__private::inventory::submit! {
                ::live::__private::ComponentRegistration::new::<#self_ty>()
            }
        };
    }
    let actions = component.actions.iter().map(action_typescript);
    let state = typescript::probe(&quote!(Self));
    let imports = typescript::probe_imports();
    quote! {
        impl ::live::__private::ComponentTypescript for #self_ty {
            fn typescript() -> ::live::typescript::ComponentTypes {
                #imports
                ::live::typescript::ComponentTypes::new(
                    #state,
                    ::std::vec![#(#actions),*],
                )
            }
        }

        ::live::__private::inventory::submit! {
            ::live::__private::ComponentRegistration::typed::<#self_ty>()
        }
    }
}

/// `ActionTypes::new("wire", args, result)`: what the client sends and gets back.
///
/// The payload is `void` without arguments, the `#[payload]` argument's type, or an object
/// of the named arguments (those of type `Option<T>` may be left out, as serde reads a
/// missing field as `None`; when all of them may, so may the whole payload, which the
/// dispatcher reads as `{}`). The result is `void` for `()` and `Result<(), E>`, else the
/// (`Ok`) type.
fn action_typescript(action: &Action) -> TokenStream {
    let wire = &action.wire;
    let mut payload = None;
    let mut fields = Vec::new();
    let mut all_optional = true;
    for arg in &action.args {
        let ty = &arg.arg.ty;
        match &arg.kind {
            ArgKind::Ctx => {}
            ArgKind::Payload => payload = Some(ty),
            ArgKind::Named(ident) => {
                let name = ident.unraw().to_string();
                let probe = typescript::probe_type(ty);
                let field = if typescript::is_option(ty) {
                    quote!(::live::typescript::TsField::optional(#name, #probe))
                } else {
                    all_optional = false;
                    quote!(::live::typescript::TsField::required(#name, #probe))
                };
                fields.push(field);
            }
        }
    }
    let args = match payload {
        Some(ty) if typescript::is_option(ty) => {
            let probe = typescript::probe_type(ty);
            quote!(#probe.or_undefined())
        }
        Some(ty) => typescript::probe_type(ty),
        None if fields.is_empty() => quote!(::live::typescript::TsType::void()),
        None => {
            let object = quote!(::live::typescript::TsType::object(
                ::std::vec![#(#fields),*]
            ));
            if all_optional {
                quote!(#object.or_undefined())
            } else {
                object
            }
        }
    };
    let result = match &action.output {
        Output::Unit | Output::Result { ok_unit: true, .. } => {
            quote!(::live::typescript::TsType::void())
        }
        Output::Value(ty) => typescript::probe_type(ty),
        Output::Result { ty, .. } if typescript::contains_impl_trait(ty) => {
            quote!(::live::typescript::TsType::unknown())
        }
        Output::Result { ty, .. } => {
            typescript::probe(&quote!(<#ty as ::live::__private::ResultOk>::Ok))
        }
    };
    quote!(::live::typescript::ActionTypes::new(#wire, #args, #result))
}

/// `ActionPolicy { .. }` for an action with `auth(...)` or `rate_limit(...)`.
fn action_policy(action: &Action) -> TokenStream {
    let wire = &action.wire;
    let auth = auth_policy(action.policy.auth.as_ref());
    let rate_limit = action_rate_limit(action.policy.rate_limit.as_ref());
    quote! {
        ::live::security::ActionPolicy {
            action: #wire,
            auth: #auth,
            rate_limit: #rate_limit,
        }
    }
}

/// An `AuthPolicy` value: `auth(...)`'s rules, or `AuthPolicy::OPEN`.
fn auth_policy(auth: Option<&Auth>) -> TokenStream {
    let Some(Auth {
        required,
        roles,
        permissions,
        check,
    }) = auth
    else {
        return quote!(::live::security::AuthPolicy::OPEN);
    };
    let check = match check {
        // A struct field coerces the function to `AuthCheck`; spanned at the path, so a
        // function of the wrong type (or no function at all) is reported there.
        Some(path) => quote_spanned! {path.span()=>
            ::core::option::Option::Some(::live::__private::AuthCheckFn { check: #path }.check)
        },
        None => quote!(::core::option::Option::None),
    };
    quote! {
        ::live::security::AuthPolicy {
            required: #required,
            roles: &[#(#roles),*],
            permissions: &[#(#permissions),*],
            check: #check,
        }
    }
}

/// An `Option<ActionRateLimit>` value.
fn action_rate_limit(limit: Option<&RateLimit>) -> TokenStream {
    let Some(RateLimit {
        max_calls,
        window_ms,
        per_action,
    }) = limit
    else {
        return quote!(::core::option::Option::None);
    };
    quote! {
        ::core::option::Option::Some(::live::security::ActionRateLimit {
            max_calls: #max_calls,
            window_ms: #window_ms,
            per_action: #per_action,
        })
    }
}

/// `"wire" => { read arguments; call; convert the result }`.
fn dispatch_arm(self_ty: &Type, action: &Action) -> TokenStream {
    let wire = &action.wire;
    let method = &action.sig.ident;
    let mut read_args = TokenStream::new();
    let mut named = Vec::new();
    let call_args: Vec<TokenStream> = action
        .args
        .iter()
        .map(|arg| match &arg.kind {
            ArgKind::Ctx => quote_spanned!(arg.arg.ty.span()=> &mut *ctx),
            ArgKind::Payload => {
                let ty = &arg.arg.ty;
                read_args.extend(quote! {
                    let __payload = ::live::__private::parse_payload::<#ty>(action, payload)?;
                });
                quote!(__payload)
            }
            ArgKind::Named(ident) => {
                let mut ty = (*arg.arg.ty).clone();
                ReplaceSelf(self_ty).visit_type_mut(&mut ty);
                named.push((ident, ty));
                quote!(__args.#ident)
            }
        })
        .collect();
    if !named.is_empty() {
        let fields = named.iter().map(|(ident, ty)| quote!(#ident: #ty));
        read_args.extend(quote! {
            #[derive(::live::__private::serde::Deserialize)]
            #[serde(crate = "::live::__private::serde")]
            struct __LiveArgs {
                #(#fields,)*
            }
            let payload = match payload {
                ::live::__private::serde_json::Value::Null => {
                    ::live::__private::serde_json::Value::Object(::live::__private::serde_json::Map::new())
                }
                payload => payload,
            };
            let __args = ::live::__private::parse_payload::<__LiveArgs>(action, payload)?;
        });
    }
    let call = with_await(&action.sig, quote!(self.#method(#(#call_args),*)));
    let reply = match &action.output {
        Output::Unit => quote! {
            #call;
            ::core::result::Result::Ok(::core::option::Option::None)
        },
        Output::Value(ty) => {
            let to_result = to_result(ty);
            quote! {
                let value = #call;
                #to_result
            }
        }
        Output::Result { ty, ok_unit } => {
            let ok = if *ok_unit {
                quote!(::core::result::Result::Ok(()) => ::core::result::Result::Ok(::core::option::Option::None))
            } else {
                let to_result = to_result(ty);
                quote!(::core::result::Result::Ok(value) => #to_result)
            };
            let err = quote_spanned!(ty.span()=> ::core::convert::Into::into(error));
            quote! {
                match #call {
                    #ok,
                    ::core::result::Result::Err(error) => ::core::result::Result::Err(#err),
                }
            }
        }
    };
    quote! {
        #wire => {
            #read_args
            #reply
        }
    }
}

/// `to_result(value)`, spanned at the return type so a non-`Serialize` type is reported there.
fn to_result(ty: &Type) -> TokenStream {
    quote_spanned!(ty.span()=> ::live::__private::to_result(value))
}

/// `call` as a `Result<(), ActionError>`: a `Result`'s error converted with `Into` (spanned at
/// the return type), anything else run and `Ok(())`.
pub(super) fn unit_result(output: &Output, call: &TokenStream) -> TokenStream {
    match output {
        Output::Result { ty, .. } => {
            let into = quote_spanned!(ty.span()=> ::core::convert::Into::into);
            quote!(::core::result::Result::map_err(#call, #into))
        }
        Output::Unit | Output::Value(_) => quote! {
            #call;
            ::core::result::Result::Ok(())
        },
    }
}

/// The trait method that forwards to the user's hook of the same name.
fn hook(hook: &Hook) -> TokenStream {
    let method = &hook.sig.ident;
    match hook.kind {
        HookKind::Mount | HookKind::Rehydrate => {
            let takes_ctx = hook.sig.inputs.len() > 1;
            let call = if takes_ctx {
                with_await(&hook.sig, quote!(Self::#method(self, &mut *ctx)))
            } else {
                with_await(&hook.sig, quote!(Self::#method(self)))
            };
            let result = unit_result(&hook.output, &call);
            let trait_method = match hook.kind {
                HookKind::Rehydrate => quote!(on_rehydrate),
                _ => quote!(on_mount),
            };
            quote! {
                #[allow(unused_variables)]
                fn #trait_method<'a>(
                    &'a mut self,
                    ctx: &'a mut ::live::Ctx<Self>,
                ) -> ::live::component::BoxFuture<'a, ::core::result::Result<(), ::live::ActionError>> {
                    ::live::__private::boxed(async move { #result })
                }
            }
        }
        HookKind::Destroy => quote! {
            fn on_destroy(&mut self) {
                Self::#method(self)
            }
        },
        HookKind::ClientJoin | HookKind::ClientLeave => quote! {
            fn #method(&mut self, connection_id: &str, viewers: usize) {
                Self::#method(self, connection_id, viewers)
            }
        },
    }
}

/// `call.await` for an `async fn`, `call` otherwise.
fn with_await(sig: &syn::Signature, call: TokenStream) -> TokenStream {
    match sig.asyncness {
        Some(_) => quote!(#call.await),
        None => call,
    }
}

/// Replaces `Self` with the component type, for argument types used inside a nested item
/// (where `Self` is not in scope).
pub(super) struct ReplaceSelf<'a>(pub(super) &'a Type);

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path.path.is_ident("Self")
        {
            *ty = self.0.clone();
        } else {
            visit_mut::visit_type_mut(self, ty);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::action_typescript;
    use crate::component::ast::Impl;
    use crate::errors::Errors;
    use syn::parse_quote;

    /// The TypeScript description of each action of `item`, as token text.
    fn described(mut item: syn::ItemImpl) -> Vec<String> {
        let mut errors = Errors::default();
        let component = Impl::from_syn(&mut errors, &mut item);
        assert!(errors.into_compile_errors().is_none());
        component
            .actions
            .iter()
            .map(|action| action_typescript(action).to_string().replace(' ', ""))
            .collect()
    }

    #[test]
    fn describes_arguments_and_results() {
        let described = described(parse_quote! {
            impl Counter {
                #[action]
                fn increment(&mut self, ctx: &mut Ctx<Self>) -> i64 { todo!() }
                #[action(name = "addBy")]
                fn add(&mut self, by: i64, note: Option<String>) -> Result<i64, E> { todo!() }
                #[action]
                fn find(&self, r#type: Option<String>) -> Result<(), E> { todo!() }
                #[action]
                fn set(&mut self, #[payload] p: Option<P>) -> impl Serialize { todo!() }
            }
        });
        let [increment, add, find, set] = described.as_slice() else {
            panic!("{described:?}");
        };
        assert!(
            increment.contains("\"increment\",::live::typescript::TsType::void(),"),
            "{increment}"
        );
        assert!(increment.contains("Probe::<i64>"), "{increment}");
        assert!(add.contains("\"addBy\""), "{add}");
        assert!(add.contains("TsField::required(\"by\""), "{add}");
        assert!(add.contains("TsField::optional(\"note\""), "{add}");
        assert!(!add.contains("or_undefined"), "{add}");
        assert!(
            add.contains("<Result<i64,E>as::live::__private::ResultOk>::Ok"),
            "{add}"
        );
        assert!(find.contains("TsField::optional(\"type\""), "{find}");
        assert!(find.contains(".or_undefined()"), "{find}");
        assert!(
            find.ends_with("::live::typescript::TsType::void())"),
            "{find}"
        );
        assert!(set.contains("Probe::<Option<P>>"), "{set}");
        assert!(set.contains(".or_undefined()"), "{set}");
        assert!(
            set.ends_with("::live::typescript::TsType::unknown())"),
            "{set}"
        );
    }
}

//! The component as the macro understands it, read from the user's struct or impl block.
//!
//! Reading also removes the macro's helper attributes (`#[live]`, `#[action]`, `#[payload]`)
//! from the item, so the item can be emitted unchanged otherwise.

use super::attr;
use super::binary;
use super::case::RenameRule;
use super::policy::{Auth, Policy, RateLimit};
use crate::errors::Errors;
use crate::shared::meta::take;
use crate::shared::syntax::Output;
use crate::shared::syntax::last_segment;
use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::{
    Attribute, FnArg, Ident, ImplItem, ItemImpl, ItemStruct, LitStr, Pat, PatType, Signature, Type,
};

/// `#[live_component]` on a struct: the data behind `ComponentAttrs`.
pub(crate) struct Struct {
    /// The struct's name.
    pub(crate) ident: Ident,
    /// The registry name.
    pub(crate) name: String,
    /// One shared instance.
    pub(crate) singleton: bool,
    /// The `#[live(updatable)]` fields.
    pub(crate) updatable: Vec<UpdatableField>,
    /// `auth(...)`: who may mount the component.
    pub(crate) auth: Option<Auth>,
    /// `rate_limit(...)`: the limit of every action without its own.
    pub(crate) rate_limit: Option<RateLimit>,
    /// `binary_delta`: the fields sent in binary (empty without `binary_delta`).
    pub(crate) binary_fields: Vec<binary::BinaryField>,
}

/// A field clients may write.
pub(crate) struct UpdatableField {
    /// Its JSON (serde) name.
    pub(crate) wire: String,
    /// Its Rust name.
    pub(crate) ident: Ident,
}

impl Struct {
    /// Reads the struct and its arguments, removing `#[live]` from its fields.
    pub(crate) fn from_syn(errors: &mut Errors, args: TokenStream, item: &mut ItemStruct) -> Self {
        let args = attr::struct_args(errors, args);
        let rename_all =
            attr::serde_name(&item.attrs, "rename_all").and_then(|rule| RenameRule::parse(&rule));
        let wire_name = |field: &syn::Field, ident: &Ident| {
            attr::serde_name(&field.attrs, "rename").unwrap_or_else(|| {
                let name = ident.unraw().to_string();
                match rename_all {
                    Some(rule) => rule.apply_to_field(&name),
                    None => name,
                }
            })
        };
        let mut updatable = Vec::new();
        let mut binary_fields = Vec::new();
        for field in &mut item.fields {
            let mut is_updatable = false;
            for live in take(&mut field.attrs, "live") {
                is_updatable |= attr::live_field(errors, &live);
            }
            let Some(ident) = &field.ident else {
                continue;
            };
            if is_updatable {
                updatable.push(UpdatableField {
                    wire: wire_name(field, ident),
                    ident: ident.clone(),
                });
            }
            if let (Some(_), Some(wire), false) = (
                &args.binary_delta,
                binary::wire_of(&field.ty),
                binary::not_a_key(field),
            ) {
                binary_fields.push(binary::BinaryField {
                    wire_name: wire_name(field, ident),
                    wire,
                });
            }
        }
        if let Some(flag) = &args.binary_delta {
            binary::check(errors, flag, &binary_fields);
        }
        Self {
            name: args
                .name
                .map_or_else(|| item.ident.unraw().to_string(), |name| name.value()),
            ident: item.ident.clone(),
            singleton: args.singleton,
            updatable,
            auth: args.policy.auth,
            rate_limit: args.policy.rate_limit,
            binary_fields,
        }
    }
}

/// `#[live_component]` on an impl block: the actions and hooks behind `LiveComponent`.
pub(crate) struct Impl {
    /// The component type.
    pub(crate) self_ty: Type,
    /// `#[action]` methods, in declaration order.
    pub(crate) actions: Vec<Action>,
    /// Methods recognised as lifecycle hooks by their name.
    pub(crate) hooks: Vec<Hook>,
    /// `#[upload]` methods, in declaration order.
    pub(crate) uploads: Vec<super::upload::Upload>,
}

impl Impl {
    /// Reads the impl block, removing `#[action]` and `#[payload]` from it.
    pub(crate) fn from_syn(errors: &mut Errors, item: &mut ItemImpl) -> Self {
        let uploads = super::upload::take_uploads(errors, item);
        let mut actions = Vec::new();
        let mut hooks = Vec::new();
        for impl_item in &mut item.items {
            let ImplItem::Fn(method) = impl_item else {
                for action in attrs_mut(impl_item)
                    .map(|attrs| take(attrs, "action"))
                    .unwrap_or_default()
                {
                    errors.spanned(
                        action,
                        "`#[action]` can only be used on methods (`fn name(&mut self, ...)`)",
                    );
                }
                continue;
            };
            let action_attrs = take(&mut method.attrs, "action");
            let payload_attrs = take_payload_attrs(&mut method.sig);
            let Some((action_attr, duplicates)) = action_attrs.split_first() else {
                for payload in payload_attrs.into_iter().flatten() {
                    errors.spanned(
                        payload,
                        "`#[payload]` can only be used on arguments of an `#[action]` method",
                    );
                }
                if let Some(kind) = HookKind::from_name(&method.sig.ident) {
                    hooks.push(Hook {
                        kind,
                        output: Output::from_syn(&method.sig.output),
                        sig: method.sig.clone(),
                    });
                }
                continue;
            };
            for duplicate in duplicates {
                errors.spanned(duplicate, "duplicate `#[action]` attribute");
            }
            let args = attr::action(errors, action_attr);
            let wire = args.name.unwrap_or_else(|| {
                LitStr::new(
                    &method.sig.ident.unraw().to_string(),
                    method.sig.ident.span(),
                )
            });
            actions.push(Action::from_syn(
                errors,
                wire,
                args.policy,
                &method.sig,
                payload_attrs,
            ));
        }
        Self {
            self_ty: (*item.self_ty).clone(),
            actions,
            hooks,
            uploads,
        }
    }
}

/// One `#[action]` method.
pub(crate) struct Action {
    /// The name clients call it by (spanned at `name = "..."` or at the method name).
    pub(crate) wire: LitStr,
    /// The method's signature, helper attributes removed.
    pub(crate) sig: Signature,
    /// The typed (non-`self`) arguments, in order; arguments that could not be read are left out.
    pub(crate) args: Vec<Arg>,
    /// How the return value becomes the reply.
    pub(crate) output: Output,
    /// `auth(...)` and `rate_limit(...)` from `#[action(...)]`.
    pub(crate) policy: Policy,
}

impl Action {
    fn from_syn(
        errors: &mut Errors,
        wire: LitStr,
        policy: Policy,
        sig: &Signature,
        payload_attrs: Vec<Option<Attribute>>,
    ) -> Self {
        let typed = sig.inputs.iter().filter_map(|input| match input {
            FnArg::Typed(arg) => Some(arg),
            FnArg::Receiver(_) => None,
        });
        let args = typed
            .zip(payload_attrs)
            .filter_map(|(arg, payload)| Arg::from_syn(errors, arg, payload))
            .collect();
        Self {
            wire,
            sig: sig.clone(),
            args,
            output: Output::from_syn(&sig.output),
            policy,
        }
    }
}

/// One typed argument of an action.
pub(crate) struct Arg {
    /// The argument as written (attributes removed).
    pub(crate) arg: PatType,
    /// What the argument receives.
    pub(crate) kind: ArgKind,
}

/// Where an action argument's value comes from.
pub(crate) enum ArgKind {
    /// `ctx: &mut Ctx<Self>` (or `&Ctx<Self>`): the call's context.
    Ctx,
    /// `#[payload] p: T`: the whole payload, deserialized.
    Payload,
    /// `name: T`: the payload's field `name`, deserialized.
    Named(Ident),
}

impl Arg {
    fn from_syn(errors: &mut Errors, arg: &PatType, payload: Option<Attribute>) -> Option<Self> {
        let kind = if let Some(payload) = payload {
            attr::payload(errors, &payload);
            ArgKind::Payload
        } else if is_ctx_ref(&arg.ty) {
            ArgKind::Ctx
        } else {
            match &*arg.pat {
                Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                    ArgKind::Named(pat.ident.clone())
                }
                pat => {
                    errors.spanned(
                        pat,
                        "action arguments must be plain names (`by: i64`): the name is the payload field it reads",
                    );
                    return None;
                }
            }
        };
        Some(Self {
            arg: arg.clone(),
            kind,
        })
    }
}

/// A lifecycle hook the runtime calls, recognised by method name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HookKind {
    /// `on_mount`
    Mount,
    /// `on_rehydrate`
    Rehydrate,
    /// `on_destroy`
    Destroy,
    /// `on_client_join`
    ClientJoin,
    /// `on_client_leave`
    ClientLeave,
}

impl HookKind {
    fn from_name(ident: &Ident) -> Option<Self> {
        Some(match ident.unraw().to_string().as_str() {
            "on_mount" => Self::Mount,
            "on_rehydrate" => Self::Rehydrate,
            "on_destroy" => Self::Destroy,
            "on_client_join" => Self::ClientJoin,
            "on_client_leave" => Self::ClientLeave,
            _ => return None,
        })
    }

    /// Whether the hook may be `async`, take the context and return `Result<(), E>`
    /// (`on_mount`, `on_rehydrate`).
    pub(crate) fn is_async(self) -> bool {
        matches!(self, Self::Mount | Self::Rehydrate)
    }

    /// The signature users write, for error messages.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            Self::Mount => {
                "`fn on_mount(&mut self)` or `fn on_mount(&mut self, ctx: &mut Ctx<Self>)`, \
                 optionally `async`, returning `()` or `Result<(), E>`"
            }
            Self::Rehydrate => {
                "`fn on_rehydrate(&mut self)` or `fn on_rehydrate(&mut self, ctx: &mut Ctx<Self>)`, \
                 optionally `async`, returning `()` or `Result<(), E>`"
            }
            Self::Destroy => "`fn on_destroy(&mut self)`",
            Self::ClientJoin => {
                "`fn on_client_join(&mut self, connection_id: &str, viewers: usize)`"
            }
            Self::ClientLeave => {
                "`fn on_client_leave(&mut self, connection_id: &str, viewers: usize)`"
            }
        }
    }
}

/// A user-defined lifecycle hook.
pub(crate) struct Hook {
    /// Which hook.
    pub(crate) kind: HookKind,
    /// The method's signature.
    pub(crate) sig: Signature,
    /// Its return kind.
    pub(crate) output: Output,
}

/// Whether `ty` is `&Ctx<..>` or `&mut Ctx<..>` (any path whose last segment is `Ctx`).
pub(crate) fn is_ctx_ref(ty: &Type) -> bool {
    matches!(ty, Type::Reference(reference) if is_ctx(&reference.elem))
}

/// Whether `ty` is a path whose last segment is `Ctx`.
pub(crate) fn is_ctx(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|segment| segment.ident == "Ctx")
}

/// Removes `#[payload]` from every typed argument, returning each argument's first one
/// (a repeated `#[payload]` on one argument changes nothing and is dropped).
fn take_payload_attrs(sig: &mut Signature) -> Vec<Option<Attribute>> {
    sig.inputs
        .iter_mut()
        .filter_map(|input| match input {
            FnArg::Typed(arg) => Some(take(&mut arg.attrs, "payload").into_iter().next()),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

fn attrs_mut(item: &mut ImplItem) -> Option<&mut Vec<Attribute>> {
    match item {
        ImplItem::Const(item) => Some(&mut item.attrs),
        ImplItem::Fn(item) => Some(&mut item.attrs),
        ImplItem::Type(item) => Some(&mut item.attrs),
        ImplItem::Macro(item) => Some(&mut item.attrs),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{ArgKind, Impl, Output, Struct};
    use crate::errors::Errors;
    use quote::quote;
    use syn::parse_quote;

    #[test]
    fn updatable_fields_use_serde_names() {
        let mut errors = Errors::default();
        let mut item = parse_quote! {
            #[serde(rename_all = "SCREAMING-KEBAB-CASE")]
            struct Board {
                #[live(updatable)]
                board_title: String,
                #[live(updatable)]
                #[serde(rename = "n")]
                note: String,
                #[live(updatable)]
                r#type: u8,
                hidden: u8,
            }
        };
        let component = Struct::from_syn(&mut errors, quote!(singleton), &mut item);
        assert!(errors.into_compile_errors().is_none());
        assert_eq!(component.name, "Board");
        assert!(component.singleton);
        let wire: Vec<_> = component
            .updatable
            .iter()
            .map(|field| field.wire.as_str())
            .collect();
        assert_eq!(wire, ["BOARD-TITLE", "n", "TYPE"]);
        assert!(
            item.fields
                .iter()
                .all(|field| field.attrs.iter().all(|attr| !attr.path().is_ident("live")))
        );
    }

    #[test]
    fn reads_actions_and_hooks() {
        let mut errors = Errors::default();
        let mut item = parse_quote! {
            impl Counter {
                #[action(name = "addBy")]
                async fn add(&mut self, by: i64, ctx: &mut Ctx<Self>) -> Result<i64, E> { todo!() }
                #[action]
                fn set(&mut self, #[payload] p: P) -> io::Result<()> { todo!() }
                #[action]
                fn peek(&self) -> () {}
                fn on_mount(&mut self) {}
                fn helper(&self) -> i64 { 1 }
            }
        };
        let component = Impl::from_syn(&mut errors, &mut item);
        assert!(errors.into_compile_errors().is_none());
        let names: Vec<String> = component
            .actions
            .iter()
            .map(|action| action.wire.value())
            .collect();
        assert_eq!(names, ["addBy", "set", "peek"]);
        let kinds: Vec<&ArgKind> = component
            .actions
            .iter()
            .flat_map(|action| action.args.iter().map(|arg| &arg.kind))
            .collect();
        assert!(
            matches!(kinds.as_slice(), [ArgKind::Named(by), ArgKind::Ctx, ArgKind::Payload] if by == "by")
        );
        let outputs: Vec<&Output> = component
            .actions
            .iter()
            .map(|action| &action.output)
            .collect();
        assert!(matches!(
            outputs.as_slice(),
            [
                Output::Result { ok_unit: false, .. },
                Output::Result { ok_unit: true, .. },
                Output::Unit
            ]
        ));
        assert_eq!(component.hooks.len(), 1);
        let stripped = quote!(#item).to_string();
        assert!(
            !stripped.contains("action") && !stripped.contains("payload"),
            "{stripped}"
        );
    }
}

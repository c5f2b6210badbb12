//! What every pycoro exception is: an instance of a [`Class`], holding its
//! [`ExceptionData`] (`args`, `__cause__`, `__context__`), seen without its Rust type as
//! a `dyn` [`ExceptionObject`]; and [`py_exception!`](crate::py_exception), which makes
//! such a type in one line.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Exception as Raised;
use crate::trace::PyRepr;

/// A Python exception class: its name, its module and its bases.
///
/// Each class is a `static`, one per Rust type ([`PyClass::CLASS`]), so a class is
/// known by its address, as Python knows a class by its identity. `isinstance` is
/// [`is_subclass`](Class::is_subclass): the class is the other one or derives from it,
/// which is what "the other class is in its MRO" means.
pub struct Class {
    name: &'static str,
    module: &'static str,
    bases: &'static [&'static Class],
    str: Option<fn(&ExceptionData) -> String>,
}

impl Class {
    /// A class named `name` in module `module`, deriving from `bases`; `str`, if given,
    /// is its `__str__` (subclasses inherit it). [`py_exception!`](crate::py_exception)
    /// calls this.
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        module: &'static str,
        bases: &'static [&'static Class],
        str: Option<fn(&ExceptionData) -> String>,
    ) -> Self {
        Self {
            name,
            module,
            bases,
            str,
        }
    }

    /// `cls.__name__`: `ValueError`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `cls.__module__`: `builtins`, `asyncio.exceptions`, or `__main__` for a class of
    /// one's own (unless its [`py_exception!`](crate::py_exception) says otherwise).
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// `cls.__bases__`.
    pub fn bases(&self) -> &'static [&'static Class] {
        self.bases
    }

    /// The name a traceback prints: `ValueError`, but `asyncio.exceptions.CancelledError`
    /// (the module is left out for `builtins` and `__main__` only).
    pub fn qualified_name(&self) -> String {
        qualify(self.module, self.name)
    }

    /// `issubclass(self, other)`: `self` is `other` or derives from it.
    ///
    /// ```
    /// use pycoro::exceptions::{Class, KeyError, LookupError, PyClass};
    /// let key_error: &Class = KeyError::CLASS;
    /// assert!(key_error.is_subclass(LookupError::CLASS));
    /// assert!(!LookupError::CLASS.is_subclass(key_error));
    /// ```
    pub fn is_subclass(&self, other: &Class) -> bool {
        std::ptr::eq(self, other) || self.bases.iter().any(|base| base.is_subclass(other))
    }

    /// `cls.__mro__`: the class, then its ancestors in Python's C3 order.
    ///
    /// ```
    /// use pycoro::exceptions::{ExceptionGroup, PyClass};
    /// let names: Vec<_> = ExceptionGroup::CLASS.mro().iter().map(|c| c.name()).collect();
    /// assert_eq!(names, ["ExceptionGroup", "BaseExceptionGroup", "Exception", "BaseException"]);
    /// ```
    pub fn mro(&'static self) -> Vec<&'static Class> {
        let mut sequences: Vec<Vec<&'static Class>> =
            self.bases.iter().map(|base| base.mro()).collect();
        sequences.push(self.bases.to_vec());
        let mut mro = vec![self];
        loop {
            sequences.retain(|sequence| !sequence.is_empty());
            // The first head that is in no other sequence's tail.
            let Some(head) = sequences.iter().map(|sequence| sequence[0]).find(|head| {
                !sequences
                    .iter()
                    .any(|sequence| sequence[1..].iter().any(|c| std::ptr::eq(*c, *head)))
            }) else {
                return mro; // done (or bases Python would refuse to order)
            };
            mro.push(head);
            for sequence in &mut sequences {
                if std::ptr::eq(sequence[0], head) {
                    sequence.remove(0);
                }
            }
        }
    }

    /// `str(e)` for an instance: the `__str__` of the first class in the MRO that has one.
    fn str_of(&'static self, data: &ExceptionData) -> String {
        match self.mro().iter().find_map(|class| class.str) {
            Some(str) => str(data),
            None => default_str(data.args()),
        }
    }
}

impl PartialEq for Class {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Class {}

impl fmt::Debug for Class {
    /// `repr(cls)`: `<class 'ValueError'>`, `<class 'asyncio.exceptions.CancelledError'>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.module == "builtins" {
            write!(f, "<class '{}'>", self.name)
        } else {
            write!(f, "<class '{}.{}'>", self.module, self.name)
        }
    }
}

pub(super) fn qualify(module: &str, name: &str) -> String {
    if module == "builtins" || module == "__main__" {
        name.to_owned()
    } else {
        format!("{module}.{name}")
    }
}

/// A Rust type that is a Python exception class: `ValueError`, or one made by
/// [`py_exception!`](crate::py_exception).
///
/// [`Exception`](super::Exception) (`anyhow::Error`, the type of any raised exception)
/// is one too: as a class it is Python's `Exception`, so that
/// `e.isinstance::<Exception>()` reads as `except Exception:` and
/// `py_exception!(MyError(Exception))` as `class MyError(Exception)`.
pub trait PyClass: 'static {
    /// The class.
    const CLASS: &'static Class;
}

/// What `isinstance(e, classinfo)` accepts: a class, or a tuple of them
/// (`e.isinstance::<(KeyError, IndexError)>()` is `except (KeyError, IndexError):`).
pub trait ClassInfo {
    /// Whether an instance of `class` is an instance of this class (or of one of them).
    fn contains(class: &Class) -> bool;
}

impl<T: PyClass> ClassInfo for T {
    fn contains(class: &Class) -> bool {
        class.is_subclass(T::CLASS)
    }
}

macro_rules! tuple_class_info {
    ($($t:ident),+) => {
        impl<$($t: ClassInfo),+> ClassInfo for ($($t,)+) {
            fn contains(class: &Class) -> bool {
                $($t::contains(class))||+
            }
        }
    };
}

tuple_class_info!(A);
tuple_class_info!(A, B);
tuple_class_info!(A, B, C);
tuple_class_info!(A, B, C, D);
tuple_class_info!(A, B, C, D, E);
tuple_class_info!(A, B, C, D, E, F);

/// A Python object an exception holds: one of its `args`, or `StopIteration.value`.
///
/// Any value with a Python `repr` ([`PyRepr`]) that may cross threads: a string, a
/// number, a [`Value`](crate::value::Value), the return value of a generator. Cloning
/// shares it, as a Python reference does.
///
/// ```
/// use pycoro::exceptions::Object;
/// let key = Object::new("k");
/// assert_eq!((key.repr(), key.str()), ("'k'".to_owned(), "k".to_owned()));
/// assert_eq!(Object::new(3).downcast_ref::<i32>(), Some(&3));
/// ```
#[derive(Clone)]
pub struct Object(Arc<dyn AnyRepr>);

trait AnyRepr: Any + Send + Sync {
    fn repr(&self) -> String;
    fn str(&self) -> String;
    fn as_any(&self) -> &dyn Any;
}

impl<T: PyRepr + Send + Sync + 'static> AnyRepr for T {
    fn repr(&self) -> String {
        self.py_repr()
    }

    fn str(&self) -> String {
        self.py_str()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Object {
    /// Wraps a value.
    pub fn new(value: impl PyRepr + Send + Sync + 'static) -> Self {
        Self(Arc::new(value))
    }

    /// `repr(obj)`.
    pub fn repr(&self) -> String {
        self.0.repr()
    }

    /// `str(obj)`.
    pub fn str(&self) -> String {
        self.0.str()
    }

    /// The value, if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }

    /// Whether the value is a `T`.
    pub fn is<T: Any>(&self) -> bool {
        self.0.as_any().is::<T>()
    }

    /// `obj is None`: Rust's `()`, an empty `Option`, or anything else whose repr is `None`.
    pub fn is_none(&self) -> bool {
        self.repr() == "None"
    }
}

impl<T: PyRepr + Send + Sync + 'static> From<T> for Object {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr())
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// What every exception holds, whatever its class: `e.args`, `e.__cause__`,
/// `e.__context__`, `e.__suppress_context__`, and its identity.
///
/// The exceptions it links to are its own (an `anyhow::Error` has one owner), so a
/// chain is a list that cannot loop back. Identity is a number: a copy
/// ([`clone_exception`](super::clone_exception), `Clone`) is the same Python object,
/// as when a future raises its one exception to each of its awaiters.
pub struct ExceptionData {
    args: Vec<Object>,
    cause: Option<Raised>,
    context: Option<Raised>,
    /// `e.__context__ = None` was done by hand: the `None` is not one Python's implicit
    /// chaining would have filled in (see `with`).
    context_cleared: bool,
    suppress_context: bool,
    /// `e.__notes__`: what `add_note` added, printed under the exception's line.
    notes: Vec<String>,
    id: u64,
}

impl ExceptionData {
    /// A new exception's data, with these `args` and no links.
    pub fn new(args: Vec<Object>) -> Self {
        Self {
            args,
            cause: None,
            context: None,
            context_cleared: false,
            suppress_context: false,
            notes: Vec::new(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// What an exception that stores nothing answers with: no args, no links, no
    /// identity. `IncompleteReadError`, which asyncio's streams build field by field.
    pub(super) const fn empty() -> Self {
        Self {
            args: Vec::new(),
            cause: None,
            context: None,
            context_cleared: false,
            suppress_context: false,
            notes: Vec::new(),
            id: 0,
        }
    }

    /// `e.args`.
    pub fn args(&self) -> &[Object] {
        &self.args
    }

    /// `e.__cause__`: set by `raise e from cause`.
    pub fn cause(&self) -> Option<&Raised> {
        self.cause.as_ref()
    }

    /// `e.__context__`: the exception being handled when `e` was raised.
    pub fn context(&self) -> Option<&Raised> {
        self.context.as_ref()
    }

    /// `e.__suppress_context__`: set by `raise ... from`, so that a report shows the
    /// cause (or, after `from None`, nothing) instead of the context.
    pub fn suppress_context(&self) -> bool {
        self.suppress_context
    }

    /// `e.__notes__`: the notes added to it, in order.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    pub(super) fn add_note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// The exception's identity (Python's `id(e)`); 0 for one that has none.
    pub fn id(&self) -> u64 {
        self.id
    }

    pub(super) fn set_cause(&mut self, cause: Option<Raised>) {
        self.cause = cause;
    }

    pub(super) fn set_context(&mut self, context: Option<Raised>) {
        self.context_cleared = context.is_none();
        self.context = context;
    }

    /// The context is `None` because it was set so, not because none was ever linked.
    pub(super) fn context_cleared(&self) -> bool {
        self.context.is_none() && self.context_cleared
    }

    pub(super) fn set_suppress_context(&mut self, suppress: bool) {
        self.suppress_context = suppress;
    }

    pub(super) fn context_mut(&mut self) -> Option<&mut Raised> {
        self.context.as_mut()
    }
}

impl Default for ExceptionData {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl Clone for ExceptionData {
    /// The same exception (the same identity), with copies of the exceptions it links to.
    fn clone(&self) -> Self {
        Self {
            args: self.args.clone(),
            cause: self.cause.as_ref().map(copy),
            context: self.context.as_ref().map(copy),
            context_cleared: self.context_cleared,
            suppress_context: self.suppress_context,
            notes: self.notes.clone(),
            id: self.id,
        }
    }
}

impl fmt::Debug for ExceptionData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let repr = |e: &Option<Raised>| e.as_ref().map(repr);
        f.debug_struct("ExceptionData")
            .field("args", &self.args)
            .field("cause", &repr(&self.cause))
            .field("context", &repr(&self.context))
            .field("suppress_context", &self.suppress_context)
            .finish()
    }
}

/// A copy of `e`, the same Python object: its own copy if it is a pycoro exception, a
/// [`PyException`] of the same name and message otherwise.
pub(super) fn copy(e: &Raised) -> Raised {
    match object(e) {
        Some(object) => object.clone_exception(),
        None => PyException::new("Exception", e.to_string()).into(),
    }
}

pub(super) fn repr(e: &Raised) -> String {
    object(e).map_or_else(|| format!("Exception({:?})", e.to_string()), |o| o.repr())
}

/// `str(e)` when the class defines no `__str__`: nothing, the one argument, or the
/// tuple of them (`('a', 1)`).
fn default_str(args: &[Object]) -> String {
    match args {
        [] => String::new(),
        [one] => one.str(),
        many => tuple_repr(many),
    }
}

pub(super) fn tuple_repr(items: &[Object]) -> String {
    let reprs: Vec<String> = items.iter().map(Object::repr).collect();
    if reprs.len() == 1 {
        format!("({},)", reprs[0])
    } else {
        format!("({})", reprs.join(", "))
    }
}

/// A pycoro exception, whatever its Rust type: its class, its data, and what Python
/// computes from them. A raised [`Exception`](super::Exception) is asked for it by
/// [`object`].
pub trait ExceptionObject: Error + Send + Sync + 'static {
    /// `type(e)`.
    fn class(&self) -> &'static Class;

    /// `type(e).__name__` (a [`PyException`] names its own class).
    fn name(&self) -> &str {
        self.class().name()
    }

    /// The name a traceback prints: `ValueError`, `asyncio.exceptions.CancelledError`.
    fn qualified_name(&self) -> String {
        qualify(self.class().module(), self.name())
    }

    /// Its args and links.
    fn data(&self) -> &ExceptionData;

    /// Its args and links, to change them; `None` for an exception that stores none.
    fn data_mut(&mut self) -> Option<&mut ExceptionData>;

    /// `str(e)`.
    fn str(&self) -> String {
        self.class().str_of(self.data())
    }

    /// `repr(e)`: `ValueError('x')`, `ValueError()`, `ValueError('a', 1)`.
    fn repr(&self) -> String {
        let args: Vec<String> = self.data().args().iter().map(Object::repr).collect();
        format!("{}({})", self.name(), args.join(", "))
    }

    /// The exceptions of an exception group; `None` for any other exception.
    fn exceptions(&self) -> Option<&[Raised]> {
        None
    }

    /// A copy: the same Python object (see [`ExceptionData`]).
    fn clone_exception(&self) -> Raised;

    /// How to find this type again in a `&mut` error (the provider API lends `&` only).
    #[doc(hidden)]
    fn downcaster(&self) -> Downcaster;
}

/// Finds an [`ExceptionObject`] of a known type in a `&mut dyn Error`.
#[doc(hidden)]
pub type Downcaster = for<'a> fn(
    &'a mut (dyn Error + Send + Sync + 'static),
) -> Option<&'a mut (dyn ExceptionObject + 'static)>;

/// The [`Downcaster`] of `T`.
#[doc(hidden)]
pub fn downcaster<'a, T: ExceptionObject>(
    e: &'a mut (dyn Error + Send + Sync + 'static),
) -> Option<&'a mut (dyn ExceptionObject + 'static)> {
    e.downcast_mut::<T>().map(|t| t as &mut dyn ExceptionObject)
}

/// The pycoro exception in `e`, seen as an [`ExceptionObject`]; `None` for another Rust
/// error (an `io::Error`, an `anyhow!` message).
///
/// Every pycoro exception type offers itself through `Error::provide` (std's generic
/// member access), so this is one call, whatever the type: no list of types to try.
pub fn object(e: &Raised) -> Option<&dyn ExceptionObject> {
    std::error::request_ref::<dyn ExceptionObject>(&**e)
}

/// [`object`], to change it.
pub(super) fn object_mut(e: &mut Raised) -> Option<&mut dyn ExceptionObject> {
    let downcast = object(e)?.downcaster();
    downcast(&mut **e)
}

/// Makes a Python exception class of a Rust type, in one line:
/// `py_exception!(MyError(ValueError));` is `class MyError(ValueError): pass`.
///
/// The type has `MyError::new(arg)` (one argument, usually the message),
/// `MyError::with_args(args)`, `MyError::default()` (no argument), and is raised as any
/// other (`Err(MyError::new("bad").into())`). Several bases are allowed
/// (`py_exception!(E(KeyError, AttributeError))`); `Exception` as a base is Python's
/// `Exception`. The class's `__module__` is `__main__`, or the string after `in`;
/// attributes (`#[doc]`, `#[derive]`) and a visibility go before the name.
///
/// ```
/// use pycoro::exceptions::{Exception, ExceptionExt, LookupError, ValueError, exception_repr};
/// use pycoro::py_exception;
///
/// py_exception!(MyError(ValueError));
/// py_exception!(
///     /// Raised when the spam runs out.
///     pub SpamError(Exception) in "spam"
/// );
///
/// let e: Exception = MyError::new("bad").into();
/// assert!(e.is::<MyError>() && e.isinstance::<ValueError>()); // except ValueError:
/// assert!(!e.isinstance::<LookupError>());
/// assert_eq!(exception_repr(&e), "MyError('bad')");
/// let spam: Exception = SpamError::default().into();
/// assert_eq!(pycoro::exceptions::format_exception_only(&spam), "spam.SpamError");
/// ```
#[macro_export]
#[allow_internal_unstable(error_generic_member_access)]
macro_rules! py_exception {
    ($(#[$meta:meta])* $vis:vis $name:ident($($base:ty),* $(,)?) $(in $module:literal)? $(;)?) => {
        $crate::py_exception! {
            @define $(#[$meta])* $vis $name($($base),*)
            module($crate::py_exception!(@module $($module)?)) str(::core::option::Option::None)
        }
    };
    (@module) => { "__main__" };
    (@module $module:literal) => { $module };
    (@define $(#[$meta:meta])* $vis:vis $name:ident($($base:ty),*) module($module:expr) str($str:expr)) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default)]
        $vis struct $name {
            data: $crate::exceptions::ExceptionData,
        }

        // A class of one's own may not use every constructor.
        #[allow(dead_code)]
        impl $name {
            #[doc = concat!("`", stringify!($name), "(arg)`: one argument, usually the message `str(e)` prints.")]
            pub fn new(arg: impl ::core::convert::Into<$crate::exceptions::Object>) -> Self {
                Self {
                    data: $crate::exceptions::ExceptionData::new(::std::vec![arg.into()]),
                }
            }

            #[doc = concat!("`", stringify!($name), "(*args)`.")]
            pub fn with_args(
                args: impl ::core::iter::IntoIterator<Item = $crate::exceptions::Object>,
            ) -> Self {
                Self {
                    data: $crate::exceptions::ExceptionData::new(args.into_iter().collect()),
                }
            }
        }

        $crate::py_exception!(@impl $name($($base),*) module($module) str($str) {});
    };
    (@impl $name:ident($($base:ty),*) module($module:expr) str($str:expr) { $($methods:tt)* }) => {
        impl $crate::exceptions::PyClass for $name {
            const CLASS: &'static $crate::exceptions::Class = {
                static CLASS: $crate::exceptions::Class = $crate::exceptions::Class::new(
                    stringify!($name),
                    $module,
                    &[$(<$base as $crate::exceptions::PyClass>::CLASS),*],
                    $str,
                );
                &CLASS
            };
        }

        impl $crate::exceptions::ExceptionObject for $name {
            fn class(&self) -> &'static $crate::exceptions::Class {
                <Self as $crate::exceptions::PyClass>::CLASS
            }

            fn data(&self) -> &$crate::exceptions::ExceptionData {
                &self.data
            }

            fn data_mut(&mut self) -> ::core::option::Option<&mut $crate::exceptions::ExceptionData> {
                ::core::option::Option::Some(&mut self.data)
            }

            fn clone_exception(&self) -> $crate::exceptions::Exception {
                ::core::clone::Clone::clone(self).into()
            }

            fn downcaster(&self) -> $crate::exceptions::Downcaster {
                $crate::exceptions::downcaster::<Self>
            }

            $($methods)*
        }

        impl ::core::fmt::Display for $name {
            /// `str(e)`.
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&$crate::exceptions::ExceptionObject::str(self))
            }
        }

        impl ::std::error::Error for $name {
            fn provide<'a>(&'a self, request: &mut ::std::error::Request<'a>) {
                request.provide_ref::<dyn $crate::exceptions::ExceptionObject>(self);
            }
        }
    };
}

crate::py_exception! {
    @define
    /// `BaseException`: the root of every exception class. `except BaseException:`
    /// catches everything, `GeneratorExit`, `KeyboardInterrupt`, `SystemExit` and
    /// `CancelledError` included.
    pub BaseException() module("builtins") str(None)
}

crate::py_exception! {
    @define
    /// `Exception`: the base of the exceptions a program means to catch.
    /// `except Exception:` does not catch `GeneratorExit`, `KeyboardInterrupt`,
    /// `SystemExit` or `CancelledError`, which derive from `BaseException` only.
    ///
    /// Reached as `pycoro::exceptions::builtins::Exception`: `exceptions::Exception` is
    /// the type of a raised exception (`anyhow::Error`), which as a class is this one.
    pub Exception(BaseException) module("builtins") str(None)
}

impl PyClass for anyhow::Error {
    const CLASS: &'static Class = <Exception as PyClass>::CLASS;
}

/// An exception with a name chosen at run time: `PyException::new("MyError", "bad")` is
/// `class MyError(Exception): ...; raise MyError("bad")`.
///
/// As a class it derives from `Exception` only; a class with bases of its own is a
/// type of its own, made by [`py_exception!`](crate::py_exception).
#[derive(Debug, Clone)]
pub struct PyException {
    name: String,
    data: ExceptionData,
}

impl PyException {
    /// An exception of class `name` with `str(e) == message`.
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            data: ExceptionData::new(vec![Object::new(message.into())]),
        }
    }

    /// The class name, as `type(e).__name__`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

crate::py_exception!(@impl PyException(Exception) module("__main__") str(None) {
    fn name(&self) -> &str {
        &self.name
    }
});

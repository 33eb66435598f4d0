//! The names of option values (`--mode strict`, `pairing = "id"`): one table per enum gives
//! both its `name()` and its `FromStr`, so the two cannot drift apart.

/// `names!(Type, "what", "the expected list"; Variant => "name" | "alias", …)` implements
/// `Type::name(self)` (each variant's first name) and `FromStr` (any of its names; anything
/// else is the error `unknown what "x" (expected the expected list)`).
macro_rules! names {
    ($ty:ident, $what:literal, $expected:literal; $($variant:ident => $name:literal $(| $alias:literal)*),+ $(,)?) => {
        impl $ty {
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> std::result::Result<Self, String> {
                match s {
                    $($name $(| $alias)* => Ok($ty::$variant),)+
                    other => Err(format!(concat!("unknown ", $what, " {:?} (expected ", $expected, ")"), other)),
                }
            }
        }
    };
}

pub(crate) use names;

//! The forged payment events both harnesses inject (the simulation's fault schedule and the
//! chaos runner's saboteur), named once so both play and report the same kinds. What the
//! checker holds the saga to under them: a forged event is dead-lettered, changes no status and
//! produces no courier (`saga_core::snapshot::Interference::forged` lists their event ids).

/// A valid envelope written to `payments` by a producer outside the saga.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// PAYMENT_SUCCESS for an order that does not exist.
    UnknownOrder,
    /// The opposite outcome for an order whose payment was applied, with the right causation.
    Contradiction,
    /// A payment for a PENDING order whose causation is not the order's ORDER_CREATED.
    WrongCausation,
    /// A copy of an applied payment event under a new event id.
    DuplicateNewId,
}

impl Forgery {
    pub const ALL: [Forgery; 4] = [
        Self::UnknownOrder,
        Self::Contradiction,
        Self::WrongCausation,
        Self::DuplicateNewId,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::UnknownOrder => "payment for an unknown order",
            Self::Contradiction => "payment contradicting the applied one",
            Self::WrongCausation => "payment with a foreign causation",
            Self::DuplicateNewId => "duplicate payment under a new event id",
        }
    }
}

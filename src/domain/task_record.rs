//! The closed sets a task's row and history are stored with, besides its status and kind: its
//! [`Priority`], the [`Queue`] an unassigned task waits in, what its worker's phone must do with it
//! ([`FeedChange`]), and the [`EventAction`] of each line
//! of its history — the state machine's moves ([`TaskAction`]) plus the events that leave the
//! status as it is (pinning the target, evidence, reminders, overdue notices) and the two ways a
//! worker gives a task back.

use super::named::named_enum;
use super::task_state::TaskAction;

named_enum! {
    /// How soon the court needs the task done.
    pub enum Priority {
        Normal = "normal",
        Urgent = "urgent",
    }
}

named_enum! {
    /// Who must place a task nobody holds: the township's supervisor, or the court (a task in no
    /// township, or outside the court's area).
    pub enum Queue {
        Township = "township",
        Court = "court",
    }
}

named_enum! {
    /// The action of one task event, as stored in `task_events.action`.
    pub enum EventAction {
        /// The officer created the task.
        Create = "create",
        /// Given to a worker, automatically or by hand.
        Assign = "assign",
        /// Nobody eligible: waiting in a queue.
        Queue = "queue",
        Accept = "accept",
        /// The worker gave the task back.
        Decline = "decline",
        /// The worker gave the task back for a conflict of interest: not held against them.
        Recuse = "recuse",
        CheckIn = "check_in",
        /// An evidence file was attached.
        Evidence = "evidence",
        Submit = "submit",
        Approve = "approve",
        /// The result went back for rework.
        Return = "return",
        Cancel = "cancel",
        /// The officer pinned the target on the map.
        Pin = "pin",
        /// The due time is near.
        Remind = "remind",
        /// The due time passed with the work still owed.
        Overdue = "overdue",
    }
}

named_enum! {
    /// What a worker's phone must do with a task, as its sync feed records it.
    pub enum FeedChange {
        /// The task is the worker's: here is its state.
        Upsert = "upsert",
        /// The task was taken away (reassigned, declined, cancelled).
        Tombstone = "tombstone",
    }
}

impl EventAction {
    /// A worker gave the task back (declined, or recused for a conflict of interest).
    pub fn gives_back(self) -> bool {
        matches!(self, EventAction::Decline | EventAction::Recuse)
    }
}

impl From<TaskAction> for EventAction {
    fn from(action: TaskAction) -> EventAction {
        match action {
            TaskAction::Assign => EventAction::Assign,
            TaskAction::Queue => EventAction::Queue,
            TaskAction::Accept => EventAction::Accept,
            TaskAction::Decline => EventAction::Decline,
            TaskAction::CheckIn => EventAction::CheckIn,
            TaskAction::Submit => EventAction::Submit,
            TaskAction::Approve => EventAction::Approve,
            TaskAction::Return => EventAction::Return,
            TaskAction::Cancel => EventAction::Cancel,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_of_the_state_machine_is_recorded_under_its_own_name() {
        for action in TaskAction::ALL {
            assert_eq!(EventAction::from(action).as_str(), action.as_str());
        }
    }

    #[test]
    fn names_read_back_exactly() {
        for action in EventAction::ALL {
            assert_eq!(EventAction::parse(action.as_str()), Some(*action));
        }
        assert_eq!(EventAction::parse("Assign"), None);
        assert_eq!(EventAction::parse(""), None);
    }
}

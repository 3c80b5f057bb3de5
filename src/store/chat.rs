//! The `chat_conversations` and `chat_messages` trees (in the `records` database): Gemini
//! conversations, kept so they can be resumed after a restart. Keys are big-endian ids, so a
//! conversation's messages are one prefix scan in order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{self, Record};
use super::{Store, StoreError, decode_value};

pub const CONVERSATIONS: &str = "chat_conversations";
pub const MESSAGES: &str = "chat_messages";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: u64,
    pub title: String,
    /// The model alias (or model name) the conversation uses.
    pub model: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub messages: u64,
}

impl Record for Conversation {
    const KIND: &'static str = "conversation";
    const VERSION: u32 = 1;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatRole {
    User,
    Model,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MessageState {
    Complete,
    /// Still arriving (or cut off by a crash: repaired to `Cancelled` at the next start).
    Streaming,
    /// Stopped by the user; the text is what had arrived.
    Cancelled,
    Failed {
        error: String,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub prompt: u64,
    pub reply: u64,
    pub total: u64,
}

impl TokenUsage {
    /// "246 + 21 tokens": what was sent and what came back, as every screen says it.
    pub fn words(&self) -> String {
        format!("{} + {} tokens", self.prompt, self.reply)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub conversation: u64,
    /// Assigned on append; 1 is the first message.
    #[serde(default)]
    pub seq: u64,
    pub role: ChatRole,
    pub text: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub usage: Option<TokenUsage>,
    #[serde(flatten)]
    pub state: MessageState,
    pub created_at: DateTime<Utc>,
    /// The tools Gemini called on the books for this reply, in order (version 2; a version-1
    /// message has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolUse>,
}

impl Record for ChatMessage {
    const KIND: &'static str = "chat message";
    const VERSION: u32 = 2;
}

/// One tool call behind a reply, as the chat screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolUse {
    /// `sales_summary`
    pub name: String,
    /// The arguments in short words: "2026-11-01..2026-11-30 by class".
    pub arguments: String,
    /// What it answered, in one short line ("3 rows, USD 1234.50 in 41 sales"), or its error.
    pub result: String,
}

fn message_key(conversation: u64, seq: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&conversation.to_be_bytes());
    key[8..].copy_from_slice(&seq.to_be_bytes());
    key
}

impl Store {
    pub fn create_conversation(
        &self,
        title: &str,
        model: &str,
    ) -> Result<Conversation, StoreError> {
        let records = self.records()?;
        let _one_appender = self.append_lock.lock().unwrap_or_else(|e| e.into_inner());
        let id = match records.conversations.last()? {
            Some((key, _)) => u64::from_be_bytes(key.as_ref().try_into().unwrap_or([0; 8])) + 1,
            None => 1,
        };
        let now = Utc::now();
        let conversation = Conversation {
            id,
            title: title.to_string(),
            model: model.to_string(),
            created_at: now,
            updated_at: now,
            messages: 0,
        };
        records
            .conversations
            .insert(id.to_be_bytes(), codec::encode(&conversation))?;
        records.db.flush()?;
        Ok(conversation)
    }

    pub fn put_conversation(&self, conversation: &Conversation) -> Result<(), StoreError> {
        let records = self.records()?;
        records
            .conversations
            .insert(conversation.id.to_be_bytes(), codec::encode(conversation))?;
        records.db.flush()?;
        Ok(())
    }

    pub fn conversation(&self, id: u64) -> Result<Option<Conversation>, StoreError> {
        let records = self.records()?;
        let key = id.to_be_bytes();
        records
            .conversations
            .get(key)?
            .map(|v| decode_value(CONVERSATIONS, &key, &v))
            .transpose()
    }

    /// Every conversation, the most recently used first.
    pub fn conversations(&self) -> Result<Vec<Conversation>, StoreError> {
        let records = self.records()?;
        let mut out = records
            .conversations
            .iter()
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(CONVERSATIONS, &k, &v)
            })
            .collect::<Result<Vec<Conversation>, StoreError>>()?;
        out.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }

    /// Appends a message (its `seq` assigned here) and bumps the conversation's count and time.
    pub fn append_message(&self, mut message: ChatMessage) -> Result<ChatMessage, StoreError> {
        let records = self.records()?;
        let _one_appender = self.append_lock.lock().unwrap_or_else(|e| e.into_inner());
        let key = message.conversation.to_be_bytes();
        let mut conversation: Conversation = match records.conversations.get(key)? {
            Some(v) => decode_value(CONVERSATIONS, &key, &v)?,
            None => {
                return Err(StoreError::Missing {
                    what: format!("conversation {}", message.conversation),
                });
            }
        };
        conversation.messages += 1;
        conversation.updated_at = message.created_at;
        message.seq = conversation.messages;
        let mut batch_messages = sled::Batch::default();
        batch_messages.insert(
            &message_key(message.conversation, message.seq),
            codec::encode(&message),
        );
        records.messages.apply_batch(batch_messages)?;
        records
            .conversations
            .insert(key, codec::encode(&conversation))?;
        records.db.flush()?;
        Ok(message)
    }

    pub fn update_message(&self, message: &ChatMessage) -> Result<(), StoreError> {
        let records = self.records()?;
        records.messages.insert(
            message_key(message.conversation, message.seq),
            codec::encode(message),
        )?;
        records.db.flush()?;
        Ok(())
    }

    /// A conversation's messages, oldest first.
    pub fn messages(&self, conversation: u64) -> Result<Vec<ChatMessage>, StoreError> {
        let records = self.records()?;
        records
            .messages
            .scan_prefix(conversation.to_be_bytes())
            .map(|entry| {
                let (k, v) = entry?;
                decode_value(MESSAGES, &k, &v)
            })
            .collect()
    }

    /// Messages left `Streaming` by a process that died: what arrived is kept, marked cut off.
    pub fn close_interrupted_messages(&self) -> Result<usize, StoreError> {
        let records = self.records()?;
        let mut closed = 0;
        for entry in records.messages.iter() {
            let (k, v) = entry?;
            let mut message: ChatMessage = decode_value(MESSAGES, &k, &v)?;
            if message.state == MessageState::Streaming {
                message.state = MessageState::Cancelled;
                records.messages.insert(k, codec::encode(&message))?;
                closed += 1;
            }
        }
        if closed > 0 {
            records.db.flush()?;
        }
        Ok(closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_message_reads_with_no_tools_and_tools_survive_the_round_trip() {
        let old = br#"{"v":1,"conversation":3,"seq":2,"role":"model","text":"Hi","model":null,"usage":null,"state":"complete","created_at":"2026-11-30T10:00:00Z"}"#;
        let message: ChatMessage = codec::decode(old).unwrap();
        assert!(message.tools.is_empty());
        assert_eq!(message.text, "Hi");
        let with_tools = ChatMessage {
            tools: vec![ToolUse {
                name: "sales_summary".into(),
                arguments: "2026-11-01..2026-11-30 by class".into(),
                result: "4 groups; USD 237.34 in 7 sales".into(),
            }],
            ..message
        };
        let bytes = codec::encode(&with_tools);
        assert!(bytes.starts_with(br#"{"v":2,"#));
        assert_eq!(codec::decode::<ChatMessage>(&bytes).unwrap(), with_tools);
    }
}

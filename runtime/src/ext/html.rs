//! `HTMLRewriter` over Cloudflare's lol-html: the ops behind `js/06_html_rewriter.js`.
//!
//! lol-html calls its handlers synchronously in the middle of a `write`, and a Workers
//! handler may be `async`. So each transform runs its rewriter on a thread of its own (one
//! started at the first chunk, at most [`LIVE_REWRITERS`] per isolate): a handler on that
//! thread sends the token it was given to JS as an [`Event`] and waits for the
//! [`Mutation`]s the JS handler made, which it applies before returning to lol-html. The
//! rewritten output gathers in a buffer that each step hands to JS. Dropping the resource
//! (the stream ended, was cancelled, or its isolate went) closes the thread's input, and a
//! handler waiting for JS then fails the rewrite, so the thread ends. The threads' CPU time
//! is the tenant's, and one of them works at a time (`helpers.rs`).

use std::borrow::Cow;
use std::cell::Cell;
use std::cell::RefCell;
use std::rc::Rc;
use std::str::FromStr;
use std::sync::mpsc;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::Duration;
use std::time::Instant;

use deno_core::op2;
use deno_core::OpState;
use deno_core::Resource;
use deno_core::ResourceId;
use deno_core::ToJsBuffer;
use deno_error::JsErrorBox;
use lol_html::html_content::Comment;
use lol_html::html_content::ContentType;
use lol_html::html_content::Doctype;
use lol_html::html_content::DocumentEnd;
use lol_html::html_content::EndTag;
use lol_html::html_content::TextChunk;
use lol_html::send;
use lol_html::AsciiCompatibleEncoding;
use lol_html::HandlerResult;
use lol_html::MemorySettings;
use lol_html::Selector;
use serde::Deserialize;
use serde::Serialize;
use tokio::sync::mpsc as tokio_mpsc;
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::Semaphore;

use super::helpers::Helpers;

/// Transforms of one isolate whose rewriter threads may run at once; more wait for one to end.
const LIVE_REWRITERS: usize = 16;

/// What lol-html may buffer for one transform (a tag split over chunks, mostly).
const REWRITER_MEMORY: usize = 4 << 20;

/// The most `on` and `onDocument` registrations one rewriter takes.
const MAX_HANDLERS: usize = 4096;

/// The stack of a rewriter thread (lol-html does not recurse deeply).
const THREAD_STACK: usize = 256 << 10;

/// The handlers a rewriter calls, as `HTMLRewriter.on` and `onDocument` registered them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RewriterSpec {
    /// Per `on(selector, handlers)`, in order.
    elements: Vec<ElementSpec>,
    /// Per `onDocument(handlers)`, in order.
    document: Vec<DocumentSpec>,
    /// The response's charset label, if its `Content-Type` names one.
    charset: Option<String>,
}

/// Which handlers one `on(selector, …)` has.
#[derive(Debug, Deserialize)]
struct ElementSpec {
    selector: String,
    element: bool,
    comments: bool,
    text: bool,
}

/// Which handlers one `onDocument(…)` has.
#[derive(Debug, Deserialize)]
struct DocumentSpec {
    doctype: bool,
    comments: bool,
    text: bool,
    end: bool,
}

/// A token handed to a JS handler. `handler` is the index of its `on`/`onDocument`
/// registration, or the id JS gave an `onEndTag` handler.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Event {
    #[serde(rename_all = "camelCase")]
    Element {
        handler: u32,
        tag_name: String,
        #[serde(rename = "namespaceURI")]
        namespace_uri: &'static str,
        attributes: Vec<(String, String)>,
        self_closing: bool,
        can_have_content: bool,
        removed: bool,
    },
    #[serde(rename_all = "camelCase")]
    Comments {
        handler: u32,
        document: bool,
        text: String,
        removed: bool,
    },
    #[serde(rename_all = "camelCase")]
    Text {
        handler: u32,
        document: bool,
        text: String,
        last_in_text_node: bool,
        removed: bool,
    },
    #[serde(rename_all = "camelCase")]
    Doctype {
        handler: u32,
        name: Option<String>,
        public_id: Option<String>,
        system_id: Option<String>,
    },
    End {
        handler: u32,
    },
    EndTag {
        handler: u32,
        name: String,
    },
}

/// A change a JS handler made to the token it was given, in the order it made them.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub(crate) enum Mutation {
    Before { content: String, html: bool },
    After { content: String, html: bool },
    Prepend { content: String, html: bool },
    Append { content: String, html: bool },
    Replace { content: String, html: bool },
    SetInnerContent { content: String, html: bool },
    Remove,
    RemoveAndKeepContent,
    SetAttribute { name: String, value: String },
    RemoveAttribute { name: String },
    SetTagName { name: String },
    SetText { text: String },
    OnEndTag { id: u32 },
}

/// What JS sends the rewriter thread.
enum Input {
    Write(Vec<u8>),
    End,
    Reply(Vec<Mutation>),
}

/// What the rewriter thread tells JS.
enum Progress {
    /// A handler waits for JS's mutations of this token.
    Event(Event),
    /// The chunk was consumed (or, after `End`, the document is complete).
    Consumed,
    /// The rewrite failed.
    Failed(String),
}

/// One step of a transform for JS: output so far, and the token a handler waits on
/// (`event`), or nothing when the input was consumed.
#[derive(Serialize)]
pub(crate) struct Step {
    output: Option<ToJsBuffer>,
    event: Option<Event>,
}

/// The live rewriter threads of an isolate.
struct Rewriters(Arc<Semaphore>);

/// A transform in progress.
pub(crate) struct RewriterResource {
    /// The rewriter to start at the first chunk.
    prepared: RefCell<Option<Prepared>>,
    inputs: RefCell<Option<mpsc::Sender<Input>>>,
    progress: RefCell<Option<tokio_mpsc::UnboundedReceiver<Progress>>>,
    output: Arc<Mutex<Vec<u8>>>,
    /// A step is in progress (JS awaits one at a time).
    busy: Cell<bool>,
    permit: RefCell<Option<OwnedSemaphorePermit>>,
}

impl Resource for RewriterResource {
    fn name(&self) -> Cow<'_, str> {
        "htmlRewriter".into()
    }

    fn close(self: Rc<Self>) {
        self.finish();
    }
}

/// What a rewriter thread is started with.
struct Prepared {
    spec: RewriterSpec,
    selectors: Vec<Selector>,
    encoding: AsciiCompatibleEncoding,
}

/// Checks the handlers' selectors and the charset; the rewriter starts at the first chunk.
#[op2]
#[smi]
pub(crate) fn op_isogate_html_new(
    state: &mut OpState,
    #[serde] spec: RewriterSpec,
) -> Result<ResourceId, JsErrorBox> {
    if spec.elements.len() + spec.document.len() > MAX_HANDLERS {
        return Err(JsErrorBox::range_error(format!(
            "HTMLRewriter: more than {MAX_HANDLERS} handler registrations"
        )));
    }
    let selectors = spec
        .elements
        .iter()
        .map(|element| {
            Selector::from_str(&element.selector).map_err(|error| {
                JsErrorBox::type_error(format!(
                    "HTMLRewriter: invalid selector {:?}: {error}",
                    element.selector
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let encoding = match &spec.charset {
        None => AsciiCompatibleEncoding::utf_8(),
        Some(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes())
            .and_then(AsciiCompatibleEncoding::new)
            .ok_or_else(|| {
                JsErrorBox::type_error(format!(
                    "HTMLRewriter: the response's charset {label:?} is not an ASCII-compatible \
                     encoding it can rewrite"
                ))
            })?,
    };
    if !state.has::<Rewriters>() {
        state.put(Rewriters(Arc::new(Semaphore::new(LIVE_REWRITERS))));
    }
    Ok(state.resource_table.add(RewriterResource {
        prepared: RefCell::new(Some(Prepared {
            spec,
            selectors,
            encoding,
        })),
        inputs: RefCell::new(None),
        progress: RefCell::new(None),
        output: Arc::new(Mutex::new(Vec::new())),
        busy: Cell::new(false),
        permit: RefCell::new(None),
    }))
}

/// Feeds a chunk of the document; resolves at the first token a handler waits on, or once
/// the chunk is consumed.
#[op2]
#[serde]
pub(crate) async fn op_isogate_html_write(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: ResourceId,
    #[buffer(copy)] chunk: Vec<u8>,
) -> Result<Step, JsErrorBox> {
    step(&state, rid, Input::Write(chunk)).await
}

/// Ends the document; resolves like a write.
#[op2]
#[serde]
pub(crate) async fn op_isogate_html_end(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: ResourceId,
) -> Result<Step, JsErrorBox> {
    step(&state, rid, Input::End).await
}

/// Hands the waiting handler what JS did to its token; resolves like a write.
#[op2]
#[serde]
pub(crate) async fn op_isogate_html_reply(
    state: Rc<RefCell<OpState>>,
    #[smi] rid: ResourceId,
    #[serde] mutations: Vec<Mutation>,
) -> Result<Step, JsErrorBox> {
    step(&state, rid, Input::Reply(mutations)).await
}

async fn step(
    state: &Rc<RefCell<OpState>>,
    rid: ResourceId,
    input: Input,
) -> Result<Step, JsErrorBox> {
    let (resource, semaphore, helpers) = {
        let state = state.borrow();
        let resource = state
            .resource_table
            .get::<RewriterResource>(rid)
            .map_err(|error| JsErrorBox::type_error(error.to_string()))?;
        (
            resource,
            state.try_borrow::<Rewriters>().map(|r| r.0.clone()),
            state.try_borrow::<Helpers>().cloned(),
        )
    };
    if resource.busy.replace(true) {
        return Err(JsErrorBox::type_error(
            "HTMLRewriter: a step of this transform is already in progress",
        ));
    }
    let result = resource.advance(semaphore, helpers, input).await;
    resource.busy.set(false);
    result
}

impl RewriterResource {
    async fn advance(
        &self,
        semaphore: Option<Arc<Semaphore>>,
        helpers: Option<Helpers>,
        input: Input,
    ) -> Result<Step, JsErrorBox> {
        let prepared = self.prepared.borrow_mut().take();
        if let Some(prepared) = prepared {
            if let Some(semaphore) = semaphore {
                let permit = semaphore
                    .acquire_owned()
                    .await
                    .map_err(|error| JsErrorBox::generic(error.to_string()))?;
                *self.permit.borrow_mut() = Some(permit);
            }
            self.start(prepared, helpers)?;
        }
        let sent = self
            .inputs
            .borrow()
            .as_ref()
            .is_some_and(|inputs| inputs.send(input).is_ok());
        if !sent {
            return Err(JsErrorBox::type_error(
                "HTMLRewriter: the transform has ended",
            ));
        }
        let progress = self.progress.borrow_mut().take();
        let Some(mut progress) = progress else {
            return Err(JsErrorBox::type_error(
                "HTMLRewriter: the transform has ended",
            ));
        };
        let next = match spin(|| progress.try_recv().ok()) {
            Some(next) => Some(next),
            None => progress.recv().await,
        };
        *self.progress.borrow_mut() = Some(progress);
        let output =
            std::mem::take(&mut *self.output.lock().unwrap_or_else(PoisonError::into_inner));
        let output = (!output.is_empty()).then(|| output.into());
        match next {
            Some(Progress::Event(event)) => Ok(Step {
                output,
                event: Some(event),
            }),
            Some(Progress::Consumed) => Ok(Step {
                output,
                event: None,
            }),
            Some(Progress::Failed(message)) => {
                self.finish();
                Err(JsErrorBox::type_error(message))
            }
            None => {
                self.finish();
                Err(JsErrorBox::type_error("HTMLRewriter: the rewriter stopped"))
            }
        }
    }

    fn start(&self, prepared: Prepared, helpers: Option<Helpers>) -> Result<(), JsErrorBox> {
        let (inputs, receiver) = mpsc::channel();
        let (sender, progress) = tokio_mpsc::unbounded_channel();
        let output = self.output.clone();
        std::thread::Builder::new()
            .name("html-rewriter".to_owned())
            .stack_size(THREAD_STACK)
            .spawn(move || {
                let channel = Arc::new(Channel {
                    inputs: Mutex::new(receiver),
                    progress: sender,
                    meter: helpers.map(|helpers| helpers.meter()),
                });
                rewrite(prepared, &channel, output);
            })
            .map_err(|error| {
                JsErrorBox::generic(format!("HTMLRewriter: cannot start its thread: {error}"))
            })?;
        *self.inputs.borrow_mut() = Some(inputs);
        *self.progress.borrow_mut() = Some(progress);
        Ok(())
    }

    /// Lets the thread go and gives its place to another transform.
    fn finish(&self) {
        self.inputs.borrow_mut().take();
        self.permit.borrow_mut().take();
    }
}

/// How long either side of a transform polls for the other's answer before it sleeps: a
/// synchronous handler or a short write answers within it, and two wakeups through the
/// scheduler would cost far more than the answer itself. Each poll yields the core, so the
/// other side runs even when both share one.
const SPIN: Duration = Duration::from_micros(50);

/// Polls `ready` for at most [`SPIN`], yielding between polls.
fn spin<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(value) = ready() {
            return Some(value);
        }
        if started.elapsed() >= SPIN {
            return None;
        }
        std::thread::yield_now();
    }
}

/// The rewriter thread's side of the conversation with JS.
struct Channel {
    inputs: Mutex<mpsc::Receiver<Input>>,
    progress: tokio_mpsc::UnboundedSender<Progress>,
    /// Charges the thread's CPU time to its isolate and keeps it to one working helper.
    meter: Option<super::helpers::Meter>,
}

/// A handler's token went to JS, which gave no answer: the transform was dropped.
#[derive(Debug, thiserror::Error)]
#[error("the transform was cancelled")]
struct Cancelled;

impl Channel {
    /// Waits for what JS sends next, then for the isolate's work slot.
    fn next(&self) -> Option<Input> {
        let inputs = self.inputs.lock().unwrap_or_else(PoisonError::into_inner);
        let input = spin(|| inputs.try_recv().ok()).or_else(|| inputs.recv().ok())?;
        if let Some(meter) = &self.meter {
            meter.work();
        }
        Some(input)
    }

    /// Charges the work so far and gives the slot up, before JS is told anything.
    fn rest(&self) {
        if let Some(meter) = &self.meter {
            meter.rest();
        }
    }

    /// Hands `event` to JS and waits for what its handler did.
    fn ask(&self, event: Event) -> Result<Vec<Mutation>, Cancelled> {
        self.rest();
        self.progress
            .send(Progress::Event(event))
            .map_err(|_| Cancelled)?;
        match self.next() {
            Some(Input::Reply(mutations)) => Ok(mutations),
            _ => Err(Cancelled),
        }
    }

    fn tell(&self, progress: Progress) -> bool {
        self.rest();
        self.progress.send(progress).is_ok()
    }
}

/// The rewriter thread: builds the rewriter and feeds it what JS sends until the document
/// ends, the rewrite fails or JS goes away. Handlers read the same queue while a write runs.
fn rewrite(prepared: Prepared, channel: &Arc<Channel>, output: Arc<Mutex<Vec<u8>>>) {
    let settings = settings(prepared, channel);
    let sink = move |chunk: &[u8]| {
        output
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(chunk);
    };
    let mut rewriter = send::HtmlRewriter::new(settings, sink);
    while let Some(input) = channel.next() {
        match input {
            Input::Write(chunk) => {
                if let Err(error) = rewriter.write(&chunk) {
                    channel.tell(Progress::Failed(format!("HTMLRewriter: {error}")));
                    return;
                }
                if !channel.tell(Progress::Consumed) {
                    return;
                }
            }
            Input::End => {
                channel.tell(match rewriter.end() {
                    Ok(()) => Progress::Consumed,
                    Err(error) => Progress::Failed(format!("HTMLRewriter: {error}")),
                });
                return;
            }
            Input::Reply(_) => {
                channel.tell(Progress::Failed(
                    "HTMLRewriter: a reply came with no handler waiting".to_owned(),
                ));
                return;
            }
        }
    }
}

/// lol-html's settings for the registered handlers, each asking JS over `channel`.
fn settings(prepared: Prepared, channel: &Arc<Channel>) -> send::Settings<'static, 'static> {
    let Prepared {
        spec,
        selectors,
        encoding,
    } = prepared;
    let memory = MemorySettings::new().with_max_allowed_memory_usage(REWRITER_MEMORY);
    let mut settings = send::Settings::new_send()
        .with_encoding(encoding)
        .with_memory_settings(memory);
    for (index, (element, selector)) in spec.elements.iter().zip(selectors).enumerate() {
        let handler = u32::try_from(index).unwrap_or(u32::MAX);
        let mut handlers = send::ElementContentHandlers::default();
        if element.element {
            let channel = channel.clone();
            handlers = handlers
                .element(move |el: &mut send::Element<'_, '_>| on_element(&channel, handler, el));
        }
        if element.comments {
            let channel = channel.clone();
            handlers = handlers.comments(move |comment: &mut Comment<'_>| {
                on_comment(&channel, handler, false, comment)
            });
        }
        if element.text {
            let channel = channel.clone();
            handlers = handlers
                .text(move |text: &mut TextChunk<'_>| on_text(&channel, handler, false, text));
        }
        settings = settings.append_element_content_handler((Cow::Owned(selector), handlers));
    }
    for (index, document) in spec.document.iter().enumerate() {
        let handler = u32::try_from(index).unwrap_or(u32::MAX);
        let mut handlers = send::DocumentContentHandlers::default();
        if document.doctype {
            let channel = channel.clone();
            handlers = handlers.doctype(move |doctype: &mut Doctype<'_>| {
                let event = Event::Doctype {
                    handler,
                    name: doctype.name(),
                    public_id: doctype.public_id(),
                    system_id: doctype.system_id(),
                };
                for mutation in channel.ask(event)? {
                    if let Mutation::Remove = mutation {
                        doctype.remove();
                    }
                }
                Ok(())
            });
        }
        if document.comments {
            let channel = channel.clone();
            handlers = handlers.comments(move |comment: &mut Comment<'_>| {
                on_comment(&channel, handler, true, comment)
            });
        }
        if document.text {
            let channel = channel.clone();
            handlers = handlers
                .text(move |text: &mut TextChunk<'_>| on_text(&channel, handler, true, text));
        }
        if document.end {
            let channel = channel.clone();
            handlers = handlers.end(move |end: &mut DocumentEnd<'_>| {
                for mutation in channel.ask(Event::End { handler })? {
                    if let Mutation::Append { content, html } = mutation {
                        end.append(&content, content_type(html));
                    }
                }
                Ok(())
            });
        }
        settings = settings.append_document_content_handler(handlers);
    }
    settings
}

fn content_type(html: bool) -> ContentType {
    if html {
        ContentType::Html
    } else {
        ContentType::Text
    }
}

fn on_element(
    channel: &Arc<Channel>,
    handler: u32,
    el: &mut send::Element<'_, '_>,
) -> HandlerResult {
    let event = Event::Element {
        handler,
        tag_name: el.tag_name(),
        namespace_uri: el.namespace_uri(),
        attributes: el
            .attributes()
            .iter()
            .map(|attribute| (attribute.name(), attribute.value()))
            .collect(),
        self_closing: el.is_self_closing(),
        can_have_content: el.can_have_content(),
        removed: el.removed(),
    };
    for mutation in channel.ask(event)? {
        match mutation {
            Mutation::Before { content, html } => el.before(&content, content_type(html)),
            Mutation::After { content, html } => el.after(&content, content_type(html)),
            Mutation::Prepend { content, html } => el.prepend(&content, content_type(html)),
            Mutation::Append { content, html } => el.append(&content, content_type(html)),
            Mutation::Replace { content, html } => el.replace(&content, content_type(html)),
            Mutation::SetInnerContent { content, html } => {
                el.set_inner_content(&content, content_type(html));
            }
            Mutation::Remove => el.remove(),
            Mutation::RemoveAndKeepContent => el.remove_and_keep_content(),
            Mutation::SetAttribute { name, value } => el.set_attribute(&name, &value)?,
            Mutation::RemoveAttribute { name } => el.remove_attribute(&name),
            Mutation::SetTagName { name } => el.set_tag_name(&name)?,
            Mutation::OnEndTag { id } => {
                let channel = channel.clone();
                let Some(handlers) = el.end_tag_handlers() else {
                    return Err(format!("<{}> has no end tag to handle", el.tag_name()).into());
                };
                handlers.push(Box::new(move |end: &mut EndTag<'_>| {
                    on_end_tag(&channel, id, end)
                }));
            }
            Mutation::SetText { .. } => {}
        }
    }
    Ok(())
}

fn on_end_tag(channel: &Arc<Channel>, handler: u32, end: &mut EndTag<'_>) -> HandlerResult {
    let event = Event::EndTag {
        handler,
        name: end.name(),
    };
    for mutation in channel.ask(event)? {
        match mutation {
            Mutation::Before { content, html } => end.before(&content, content_type(html)),
            Mutation::After { content, html } => end.after(&content, content_type(html)),
            Mutation::Replace { content, html } => end.replace(&content, content_type(html)),
            Mutation::Remove => end.remove(),
            Mutation::SetTagName { name } => end.set_name_str(name),
            _ => {}
        }
    }
    Ok(())
}

fn on_comment(
    channel: &Arc<Channel>,
    handler: u32,
    document: bool,
    comment: &mut Comment<'_>,
) -> HandlerResult {
    let event = Event::Comments {
        handler,
        document,
        text: comment.text(),
        removed: comment.removed(),
    };
    for mutation in channel.ask(event)? {
        match mutation {
            Mutation::Before { content, html } => comment.before(&content, content_type(html)),
            Mutation::After { content, html } => comment.after(&content, content_type(html)),
            Mutation::Replace { content, html } => comment.replace(&content, content_type(html)),
            Mutation::Remove => comment.remove(),
            Mutation::SetText { text } => comment.set_text(&text)?,
            _ => {}
        }
    }
    Ok(())
}

fn on_text(
    channel: &Arc<Channel>,
    handler: u32,
    document: bool,
    text: &mut TextChunk<'_>,
) -> HandlerResult {
    let event = Event::Text {
        handler,
        document,
        text: text.as_str().to_owned(),
        last_in_text_node: text.last_in_text_node(),
        removed: text.removed(),
    };
    for mutation in channel.ask(event)? {
        match mutation {
            Mutation::Before { content, html } => text.before(&content, content_type(html)),
            Mutation::After { content, html } => text.after(&content, content_type(html)),
            Mutation::Replace { content, html } => text.replace(&content, content_type(html)),
            Mutation::Remove => text.remove(),
            _ => {}
        }
    }
    Ok(())
}

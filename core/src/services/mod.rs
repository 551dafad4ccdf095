//! The services and what they share: the kernel's event type, who is waiting for a
//! call's answer (`Waiter`), and a call's immediate or deferred outcome. Each service
//! module owns its state and its API actions; services reach each other only by
//! scheduling `Event::Call` (the API surface) or their own events through the kernel.

pub(crate) mod events;
pub(crate) mod firehose;
pub(crate) mod kinesis;
pub(crate) mod lambda;
pub(crate) mod s3;
pub(crate) mod sfn;
pub(crate) mod sns;
pub(crate) mod sqs;

use crate::error::AwsError;
use serde_json::Value;

/// Everything the kernel can schedule.
#[derive(Debug)]
pub(crate) enum Event {
    /// The `index`-th driver's `rep`-th call.
    Driver {
        index: usize,
        rep: u64,
    },
    /// An API call (`service:Action`) made by a service, the console or handler code.
    Call {
        caller: String,
        action: String,
        params: Value,
        waiter: Waiter,
    },
    /// The answer to a call that took virtual time.
    Reply {
        waiter: Waiter,
        result: Result<Value, AwsError>,
    },
    Sqs(sqs::SqsEvent),
    Lambda(lambda::LambdaEvent),
    Sfn(sfn::SfnEvent),
    Events(events::EventsEvent),
    Firehose(firehose::FirehoseEvent),
}

/// Who receives a deferred answer.
#[derive(Debug, Clone)]
pub(crate) enum Waiter {
    Nobody,
    /// A driver call: its answer goes into the report's `calls[index]`.
    Driver(usize),
    /// A call made through `Sim::call` from outside (console, tests).
    External(u64),
    Lambda(lambda::LambdaWaiter),
    /// A topic's delivery to one subscriber.
    Sns(Box<sns::SnsDelivery>),
    /// A state machine's Task (or a `.sync` parent waiting for its child execution).
    Sfn(sfn::SfnWaiter),
    /// An EventBridge rule's delivery to one target.
    Events(Box<events::Delivery>),
    /// A delivery stream's object on its way to S3.
    Firehose(Box<firehose::Put>),
}

/// A call's result now, or later through `Event::Reply`.
pub(crate) enum Outcome {
    Done(Result<Value, AwsError>),
    Pending,
}

/// The API call that hands `body` to the resource an ARN names, as AWS services deliver
/// to each other: a Lambda function (asynchronous invoke), an SQS queue, an SNS topic or
/// a state machine (a new execution). `None` for any other ARN.
pub(crate) fn send_to(arn: &str, body: String) -> Option<(&'static str, Value)> {
    use serde_json::json;
    Some(match arn.split(':').nth(2)? {
        "lambda" => (
            "lambda:Invoke",
            json!({"FunctionName": arn, "InvocationType": "Event", "Payload": body}),
        ),
        "sqs" => (
            "sqs:SendMessage",
            json!({"QueueUrl": crate::util::queue_url_of_arn(arn), "MessageBody": body}),
        ),
        "sns" => ("sns:Publish", json!({"TopicArn": arn, "Message": body})),
        "states" => (
            "states:StartExecution",
            json!({"stateMachineArn": arn, "input": body}),
        ),
        _ => return None,
    })
}

/// The error for an action the playground does not implement (yet).
pub(crate) fn unsupported(service: &str, action: &str) -> AwsError {
    AwsError::client(
        "UnsupportedOperation",
        format!("{service}:{action} is not supported by the playground yet"),
    )
}

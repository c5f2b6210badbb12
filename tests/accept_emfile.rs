//! Out of file descriptors when accepting (`EMFILE`): the server says so once, waits
//! longer between tries, and accepts the connection once descriptors are free again.
//! A test binary of its own: it lowers this process's descriptor limit and uses up
//! every descriptor, which would break tests running beside it.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

use pycoro::clock::Clock;
use pycoro::exceptions::{PyResult, set_unraisable_hook};
use pycoro::native::{StreamReader, StreamWriter, run_with_clock, sleep, start_server};
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

#[test]
fn accept_out_of_descriptors_is_reported_once_and_the_server_recovers() -> PyResult<()> {
    let limit = getrlimit(Resource::Nofile);
    let low = Rlimit {
        current: Some(256),
        maximum: limit.maximum,
    };
    setrlimit(Resource::Nofile, low).expect("lowering RLIMIT_NOFILE");
    let reports = Rc::new(RefCell::new(Vec::new()));
    let sink = reports.clone();
    set_unraisable_hook(Some(Box::new(move |u| {
        sink.borrow_mut().push(u.to_string())
    })));
    // On the virtual clock: the waits between tries take no time.
    let seen = reports.clone();
    let (reported_while_out, answer) = run_with_clock(
        async move {
            let server = start_server(
                |_reader: StreamReader, writer: StreamWriter| async move {
                    writer.write(b"accepted\n")?;
                    writer.close();
                    Ok(())
                },
                "127.0.0.1",
                0,
            )
            .await?;
            // Connected (the kernel's backlog holds it) before the descriptors run out.
            let mut client = std::net::TcpStream::connect(("127.0.0.1", server.port()))?;
            let mut hogs = Vec::new();
            while let Ok(file) = std::fs::File::open("/dev/null") {
                hogs.push(file);
            }
            sleep(30.0).await?; // about 35 tries, each EMFILE
            let reported_while_out = seen.borrow().len();
            drop(hogs);
            sleep(2.0).await?; // the next try accepts, and the handler answers
            let mut answer = String::new();
            client.read_to_string(&mut answer)?;
            server.close();
            Ok((reported_while_out, answer))
        },
        Clock::new_virtual(),
    )?;
    set_unraisable_hook(None);
    setrlimit(Resource::Nofile, limit).expect("restoring RLIMIT_NOFILE");
    let first = reports.borrow().first().cloned();
    assert_eq!(
        reported_while_out, 1,
        "reports: {reported_while_out}, the first {first:?}"
    );
    assert!(
        reports.borrow()[0].contains("Too many open files"),
        "{:?}",
        reports.borrow()
    );
    assert_eq!(answer, "accepted\n");
    Ok(())
}

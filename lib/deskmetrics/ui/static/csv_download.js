// A "Download CSV" link whose CSV is asked of the kernel on the first click, then saved from
// a Blob; a new frame in the kernel (version) drops the one held here.
function render({ model, el }) {
  const link = document.createElement("a");
  link.className = "dm-download";
  link.textContent = "Download CSV";
  link.href = "#";
  let address = null;
  const forget = () => {
    if (address) URL.revokeObjectURL(address);
    address = null;
    link.href = "#";
  };
  const name = () => { link.download = model.get("filename"); };
  name();
  model.on("change:filename", name);
  model.on("change:version", forget);
  link.addEventListener("click", (event) => {
    if (address) return; // the CSV is here: the browser saves it
    event.preventDefault();
    model.send({ event: "csv", version: model.get("version") });
  });
  const received = (message) => {
    if (!message || typeof message.csv !== "string" || message.version !== model.get("version")) return;
    forget();
    address = URL.createObjectURL(new Blob([message.csv], { type: "text/csv;charset=utf-8" }));
    link.href = address;
    link.click();
  };
  model.on("msg:custom", received);
  el.appendChild(link);
  return () => {
    model.off("msg:custom", received);
    forget();
  };
}

export default { render };

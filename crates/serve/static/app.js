// The page's logic: send the drawing or the uploaded file to /api/analyze (one request at a
// time; the latest input wins), show the top-5, the chosen layer's feature maps and, for a
// shift, each block's similarity to the unshifted features.
"use strict";

const $ = (id) => document.getElementById(id);
const canvas = $("canvas");
const pen = canvas.getContext("2d");

// What is sent: null (nothing yet), the uploaded file as it is, or the canvas as a PNG.
let source = null;
let busy = false;
let again = false;
let analysis = null;
let model = null;

function clearCanvas() {
  pen.fillStyle = "#000";
  pen.fillRect(0, 0, canvas.width, canvas.height);
}

function percent(p) {
  return (100 * p).toFixed(1) + "%";
}

function showError(message) {
  $("status").textContent = message || "";
}

async function loadModel() {
  const response = await fetch("/api/model");
  model = await response.json();
  const [c, h, w] = model.input_shape;
  $("title").textContent = model.model + " - " + model.title;
  $("about").textContent =
    `${model.classes.length} classes; uploads are decoded to ${model.image_shape.join(" x ")} ` +
    `and fed as ${c} x ${h} x ${w}; ${model.layers.length} feature-map layers.`;
  for (const axis of ["dx", "dy"]) {
    $(axis).min = -model.max_shift;
    $(axis).max = model.max_shift;
  }
  const select = $("layer");
  for (const layer of model.layers) {
    const option = document.createElement("option");
    option.value = layer.name;
    option.textContent = `${layer.name} (${layer.kind})`;
    select.appendChild(option);
  }
}

function currentBody() {
  if (source && source.file) {
    return Promise.resolve(source.file);
  }
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

// Analyses the current input; while a request runs, remembers to run once more afterwards.
async function refresh() {
  if (!source) {
    return;
  }
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    const body = await currentBody();
    const query = `?dx=${$("dx").value}&dy=${$("dy").value}`;
    const response = await fetch("/api/analyze" + query, {
      method: "POST",
      headers: { "Content-Type": body.type || "application/octet-stream" },
      body,
    });
    const json = await response.json();
    if (!response.ok) {
      showError(json.error || `error ${response.status}`);
    } else {
      showError("");
      show(json);
    }
  } catch (e) {
    showError("the server cannot be reached: " + e);
  } finally {
    busy = false;
    if (again) {
      again = false;
      refresh();
    }
  }
}

function show(result) {
  analysis = result;
  const list = $("top5");
  list.replaceChildren();
  for (const entry of result.top) {
    const item = document.createElement("li");
    item.dataset.class = entry.class;
    item.dataset.probability = entry.probability;
    item.innerHTML = '<span class="name"></span><span class="bar"><span></span></span><span class="prob"></span>';
    item.querySelector(".name").textContent = entry.class;
    item.querySelector(".bar span").style.width = percent(entry.probability);
    item.querySelector(".prob").textContent = percent(entry.probability);
    list.appendChild(item);
  }
  $("seen").src = result.input.url;
  $("seen-shape").textContent = `${result.input.shape.join(" x ")} after shifting, padding or resizing and normalising`;
  const shifted = result.shift.dx !== 0 || result.shift.dy !== 0;
  const before = result.unshifted_top[0];
  const after = result.top[0];
  $("shift-summary").textContent = shifted
    ? `Unshifted: ${before.class} ${percent(before.probability)}; shifted by (${result.shift.dx}, ${result.shift.dy}) px: ${after.class} ${percent(after.probability)}.`
    : "Move the sliders: max pooling keeps the deeper blocks' features similar for small shifts.";
  const rows = $("blocks").querySelector("tbody");
  rows.replaceChildren();
  for (const block of result.blocks) {
    const row = document.createElement("tr");
    const value = Math.max(0, Math.min(1, block.cosine));
    row.innerHTML = '<td class="block"></td><td><span class="bar"><span></span></span></td><td class="num"></td>';
    row.querySelector(".block").textContent = block.name;
    row.querySelector(".bar span").style.width = (100 * value).toFixed(1) + "%";
    row.querySelector(".num").textContent = block.cosine.toFixed(3);
    rows.appendChild(row);
  }
  showLayer();
}

function showLayer() {
  if (!analysis) {
    return;
  }
  const name = $("layer").value;
  const layer = analysis.layers.find((l) => l.name === name) || analysis.layers[0];
  if (!layer) {
    return;
  }
  $("layer-shape").textContent = `${layer.kind}, ${layer.shape.join(" x ")} (channels x height x width)`;
  $("maps").src = layer.url;
}

// Drawing, with pointer events (mouse, pen and touch alike).
let last = null;

function point(event) {
  const box = canvas.getBoundingClientRect();
  return {
    x: ((event.clientX - box.left) * canvas.width) / box.width,
    y: ((event.clientY - box.top) * canvas.height) / box.height,
  };
}

function stroke(to) {
  pen.strokeStyle = "#fff";
  pen.lineCap = "round";
  pen.lineJoin = "round";
  pen.lineWidth = Number($("pen").value);
  pen.beginPath();
  pen.moveTo(last.x, last.y);
  pen.lineTo(to.x, to.y);
  pen.stroke();
  last = to;
  // From now on the canvas (the upload and what is drawn over it) is the input.
  source = { canvas: true };
  refresh();
}

canvas.addEventListener("pointerdown", (event) => {
  canvas.setPointerCapture(event.pointerId);
  last = point(event);
  stroke(last);
});
canvas.addEventListener("pointermove", (event) => {
  if (last) {
    stroke(point(event));
  }
});
for (const end of ["pointerup", "pointercancel"]) {
  canvas.addEventListener(end, () => {
    last = null;
  });
}

$("clear").addEventListener("click", () => {
  clearCanvas();
  source = null;
  analysis = null;
  $("top5").replaceChildren();
  $("blocks").querySelector("tbody").replaceChildren();
  $("maps").removeAttribute("src");
  $("seen").removeAttribute("src");
  $("file").value = "";
  showError("");
});

$("file").addEventListener("change", async () => {
  const file = $("file").files[0];
  if (!file) {
    return;
  }
  source = { file };
  try {
    const bitmap = await createImageBitmap(file);
    clearCanvas();
    pen.imageSmoothingEnabled = false;
    pen.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  } catch (e) {
    // The server says what is wrong with the file.
  }
  refresh();
});

for (const axis of ["dx", "dy"]) {
  $(axis).addEventListener("input", () => {
    $(axis + "-value").textContent = $(axis).value;
    refresh();
  });
}
$("unshift").addEventListener("click", () => {
  for (const axis of ["dx", "dy"]) {
    $(axis).value = 0;
    $(axis + "-value").textContent = "0";
  }
  refresh();
});
$("layer").addEventListener("change", showLayer);

clearCanvas();
loadModel().catch((e) => showError("cannot load the model's description: " + e));

// `moe sft` and `moe chat` as a person runs them, on the tiny preset: a base run of a few steps,
// fine-tuned on a JSONL file — a run interrupted (by its step count) and resumed records the same
// losses, bit for bit, as one straight run; its checkpoint holds tokenizer_config.json and the
// grown vocabulary; `moe chat` answers each line of a pipe on one line and exits; `moe eval --sft`
// reports the held-out scores. Child processes have MoeProcess's timeout.
using System.Text.Json;
using MoeFromScratch.PropertyTests.Reliability;
using MoeFromScratch.Train.Sft;

namespace MoeFromScratch.PropertyTests.Sft;

public sealed class SftCliTests : IDisposable
{
    private readonly TinyRun _run = new();

    public void Dispose() => _run.Dispose();

    private string Data()
    {
        string path = Path.Combine(_run.Folder, "pairs.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new
        {
            messages = new object[] { new { role = "user", content = $"What is {i} plus one?" }, new { role = "assistant", content = $"It is {i + 1}." } },
        })));
        return path;
    }

    private static void Ok(MoeProcess.Exit exit) => Assert.True(exit.Code == 0, $"exit {exit.Code}\n{exit.Stdout}\n{exit.Stderr}");

    private string Sft(string data, string output, long steps, string more = "") =>
        $"sft --checkpoint {_run.RunFolder("base")} --data {data} --out {output} --steps {steps} --batch 2 --seq 96 --device cpu --eval-every 0 --eval-examples 2 {more}";

    [Fact]
    public void Fine_tuning_resumes_exactly_writes_a_chat_checkpoint_and_chats_through_a_pipe()
    {
        Ok(MoeProcess.Run(_run.Train(_run.RunFolder("base"), steps: 2)));
        string data = Data();
        string straight = _run.RunFolder("straight"), resumed = _run.RunFolder("resumed");
        Ok(MoeProcess.Run(Sft(data, straight, 6)));
        Ok(MoeProcess.Run(Sft(data, resumed, 3)));
        var resume = MoeProcess.Run($"sft --resume {resumed} --steps 6 --device cpu --eval-examples 2");
        Ok(resume);
        Assert.Contains("sft eval: 2 held-out conversations", resume.Stdout);
        Assert.Equal(TinyRun.Losses(straight), TinyRun.Losses(resumed));

        string checkpoint = Path.Combine(straight, "checkpoint-000006");
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, ChatTemplate.ConfigFile))))
            Assert.Equal(ChatTemplate.EndOfSentence, config.RootElement.GetProperty("eos_token").GetString());
        using (var baseConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(_run.RunFolder("base"), "checkpoint-000002", "config.json"))))
        using (var sftConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, "config.json"))))
            Assert.Equal(baseConfig.RootElement.GetProperty("vocab_size").GetInt32() + 2, sftConfig.RootElement.GetProperty("vocab_size").GetInt32());

        string questions = Path.Combine(_run.Folder, "questions.txt");
        File.WriteAllText(questions, "What is 3 plus one?\n\n/reset\nWhat is 4 plus one?\n/exit\nnever read\n");
        var chat = MoeProcess.Run($"chat --checkpoint {straight} --device cpu --max-tokens 6", shellPrefix: $"exec <{questions}");
        Ok(chat);
        Assert.Equal(2, chat.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var eval = MoeProcess.Run($"eval --sft --checkpoint {straight} --device cpu --examples 2 --json");
        Ok(eval);
        using var report = JsonDocument.Parse(eval.Stdout.Trim().Split('\n')[^1]);
        Assert.Equal(2, report.RootElement.GetProperty("examples").GetInt32());
        Assert.Equal(5, report.RootElement.GetProperty("answers").GetArrayLength());   // the model, three baselines, the base model
    }

    [Fact]
    public void A_bad_jsonl_line_stops_sft_before_training_with_its_file_and_line()
    {
        Ok(MoeProcess.Run(_run.Train(_run.RunFolder("base"), steps: 1)));
        string data = Path.Combine(_run.Folder, "bad.jsonl");
        File.WriteAllLines(data, ["""{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}""", """{"messages": [{"role": "user", "content": "q"}]}"""]);
        var exit = MoeProcess.Run(Sft(data, _run.RunFolder("sft"), 2));
        Assert.Equal(1, exit.Code);
        Assert.StartsWith($"moe: error: {data}:2: the last message is \"user\"", exit.Stderr.Trim());
        Assert.False(Directory.Exists(_run.RunFolder("sft")));
    }
}
